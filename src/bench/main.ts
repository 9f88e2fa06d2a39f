/**
 * `npm run bench -- speed [--backends cpu,wasm,tensorflow] [--archs mlp,lenet,cnn,resnet18] [--steps 10]`
 *   [--out docs/results.md]: also write the tables into that file's speed section
 *   [--vs-pytorch [--torch-threads N]]: also PyTorch 2 at its default threads (the venv of npm run setup:torch, or
 *   $PYTHON) on the same networks, and each backend as a ratio to it
 *
 * Training images/s per architecture and backend (median of several steps after warm-up), each as
 * a ratio to the pure-JS cpu backend measured in the same process; scoring images/s per scorer;
 * peak memory; and the time of the detection metrics at 1e4, 1e5, 1e6 scores. Prints a Markdown
 * table with the machine it ran on.
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend, tf, type BackendName } from '../core/backend';
import { buildModel } from '../core/models/registry';
import { getLoss } from '../core/losses';
import { Sgd } from '../core/train/sgd';
import { shardGradients } from '../core/train/shardGradients';
import { microBatchSizes, planTrainingMemory, stepGradients } from '../core/train/microBatches';
import { memoryBudget } from '../core/backend/memoryLimit';
import { trainableVariables } from '../core/train/trainer';
import { createScorer } from '../core/scorers';
import { detectionMetrics } from '../core/metrics';
import { createRng } from '../core/data/rng';
import { DataParallelSteps } from '../core/train/dataParallel';
import { PYTORCH_ARCHS, findTorchPython, timePytorchSteps, type PytorchTimes } from './pytorchReference';
import { replicate } from './replicate';
import { onnxBench } from './onnxInference';
import { writeSection } from './markdownSections';
import { bigNetCase, bigNets } from './bigNets';
import { profileStep } from './profileStep';

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const INPUT: Record<string, [number, number, number]> = { mlp: [28, 28, 1], lenet: [28, 28, 1], cnn: [28, 28, 1], 'wrn-40-2': [32, 32, 3], resnet18: [32, 32, 3] };

/**
 * Median seconds of one SGD step of `arch` at `batch` on the current backend, the trainer's way:
 * the step's memory planned first, in micro-batches where the batch does not fit (microBatches.ts).
 */
async function trainStepSeconds(arch: string, batch: number, steps: number, warmup: number): Promise<{ seconds: number; microBatches: number }> {
  const shape = INPUT[arch] ?? [32, 32, 3];
  const model = buildModel({ arch, inputShape: shape, numClasses: 10, seed: 1, dropout: 0 });
  const variables = trainableVariables(model);
  const sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
  const rng = createRng(7);
  const images = (n: number, seed: number) => tf.tidy(() => tf.randomNormal([n, ...shape], 0, 1, 'float32', seed) as tf.Tensor4D);
  const labels = (n: number) => tf.tensor1d(Array.from({ length: n }, () => rng.int(10)), 'int32');
  const loss = getLoss('logitnorm');
  const compute = (xs: tf.Tensor4D, ys: tf.Tensor1D) => shardGradients(model, variables, xs, ys, loss, { tau: 0.04 });
  const backend = tf.getBackend();
  const plan = await planTrainingMemory(model, (n) => ({ x: images(n, 4), y: labels(n) }), compute, {
    budget: memoryBudget(backend), batchSize: batch, pendingOptimizerBytes: 4 * variables.reduce((n, v) => n + v.size, 0), backend, arch, imageShape: shape,
  });
  if (plan.microBatch < batch) console.error(`  ${plan.summary}`);
  const x = images(batch, 3);
  const y = labels(batch);
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = process.hrtime.bigint();
    const { value, grads, correct, normSum } = await stepGradients(model, x, y, plan.microBatch, compute);
    await value.data();
    sgd.step(variables, grads, 0.01);
    await variables[0].data();
    tf.dispose([value, grads, correct, normSum]);
    if (i >= warmup) times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  tf.dispose([x, y]);
  sgd.dispose();
  model.dispose();
  return { seconds: median(times), microBatches: microBatchSizes(batch, plan.microBatch).length };
}

/** Median seconds of one data-parallel SGD step of `arch` over `threads` threads on the current backend. */
async function parallelTrainStepSeconds(arch: string, batch: number, steps: number, warmup: number, threads: number): Promise<number> {
  const shape = INPUT[arch] ?? [32, 32, 3];
  const spec = { arch, inputShape: shape, numClasses: 10, seed: 1, dropout: 0 };
  const loss = getLoss('logitnorm');
  const parallel = await DataParallelSteps.start(threads, tf.getBackend(), spec, 'logitnorm', loss, { tau: 0.04 });
  const model = buildModel(spec);
  const variables = trainableVariables(model);
  const sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
  const rng = createRng(7);
  const x = tf.tidy(() => tf.randomNormal([batch, ...shape], 0, 1, 'float32', 3) as tf.Tensor4D);
  const y = tf.tensor1d(Array.from({ length: batch }, () => rng.int(10)), 'int32');
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = process.hrtime.bigint();
      const r = await parallel.compute(model, variables, x, y, i);
      await r.value.data();
      sgd.step(variables, r.grads, 0.01);
      await variables[0].data();
      tf.dispose([r.value, r.grads, r.correct, r.normSum]);
      if (i >= warmup) times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  } finally {
    await parallel.dispose();
    tf.dispose([x, y]);
    sgd.dispose();
    model.dispose();
  }
  return median(times);
}

/** Median seconds to score one batch with a scorer. */
async function scoreSeconds(scorer: string, batch: number, steps: number): Promise<number> {
  const model = buildModel({ arch: 'lenet', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  const s = createScorer(scorer, scorer === 'odin' ? { inputStd: [0.3081] } : {});
  const x = tf.tidy(() => tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D);
  const times: number[] = [];
  for (let i = 0; i < steps + 1; i++) {
    const t0 = process.hrtime.bigint();
    s.score(model, x);
    if (i > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  x.dispose();
  s.dispose?.();
  model.dispose();
  return median(times);
}

async function speed(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      backends: { type: 'string' }, archs: { type: 'string' }, steps: { type: 'string' }, 'cpu-steps': { type: 'string' }, batch: { type: 'string' }, scorers: { type: 'string' },
      'vs-pytorch': { type: 'boolean' }, 'torch-threads': { type: 'string' }, workers: { type: 'string' }, out: { type: 'string' },
    },
  });
  // Every table line is printed and kept, and with --out written into that Markdown file's speed section.
  const lines: string[] = [];
  const print = (line: string) => {
    console.log(line);
    lines.push(line);
  };
  const backends = (values.backends ?? 'cpu,wasm,tensorflow').split(',') as BackendName[];
  const workers = Number(values.workers ?? 1);
  const archs = (values.archs ?? 'mlp,lenet,cnn').split(',');
  const steps = Number(values.steps ?? 10);
  const cpuSteps = Number(values['cpu-steps'] ?? 2);
  const batch = Number(values.batch ?? 128);
  const scorers = (values.scorers ?? 'msp,odin,energy,gradnorm,maxlogit').split(',').filter((s) => s !== '');
  print(`# OOD Lens speed, ${new Date().toISOString()}`);
  print(`machine: ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  print(`training: batch ${batch}, SGD momentum, LogitNorm loss, median of ${steps} steps after 2 warm-up (cpu: ${cpuSteps} after 1)\n`);
  const torchOrWhy = values['vs-pytorch'] ? PairedPytorch.start(batch, steps, Number(values['torch-threads'] ?? 0)) : undefined;
  if (typeof torchOrWhy === 'string') print(`PyTorch: not available (${torchOrWhy})\n`);
  const torch = typeof torchOrWhy === 'string' ? undefined : torchOrWhy;
  const trainTimes: Record<string, Record<string, number>> = {};
  /** Backend -> architecture -> micro-batches a step took, where the batch did not fit at once. */
  const splitNotes: Record<string, Record<string, number>> = {};
  const scoreTimes: Record<string, Record<string, number>> = {};
  const loaded: string[] = [];
  for (const b of backends) {
    let info;
    try {
      info = await initBackend(b);
    } catch (e) {
      print(`backend ${b}: not available (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    loaded.push(b);
    console.error(`backend ${b}: ${info.reason}`);
    trainTimes[b] = {};
    scoreTimes[b] = {};
    for (const arch of archs) {
      const isCpu = b === 'cpu';
      torch?.measure(b, arch);
      const t = await trainStepSeconds(arch, batch, isCpu ? cpuSteps : steps, isCpu ? 1 : 2);
      trainTimes[b][arch] = t.seconds;
      if (t.microBatches > 1) (splitNotes[b] ??= {})[arch] = t.microBatches;
      console.error(`  train ${arch}: ${(trainTimes[b][arch] * 1000).toFixed(1)} ms/step`);
    }
    if (workers > 1 && b === 'wasm') {
      // Data-parallel over worker threads, each its own wasm backend (src/core/train/dataParallel.ts).
      const label = `wasm x${workers} threads`;
      trainTimes[label] = {};
      for (const arch of archs) {
        torch?.measure(label, arch);
        trainTimes[label][arch] = await parallelTrainStepSeconds(arch, batch, steps, 2, workers);
        console.error(`  train ${arch}, ${workers} threads: ${(trainTimes[label][arch] * 1000).toFixed(1)} ms/step`);
      }
      await initBackend('wasm');
    }
    for (const s of scorers) {
      scoreTimes[b][s] = await scoreSeconds(s, 256, b === 'cpu' ? 1 : 5);
      console.error(`  score ${s}: ${(scoreTimes[b][s] * 1000).toFixed(1)} ms / 256 images`);
    }
  }
  const ratio = (b: string, table: Record<string, Record<string, number>>, key: string) => (table.cpu?.[key] ? ` (x${(table.cpu[key] / table[b][key]).toFixed(1)})` : '');
  const trained = Object.keys(trainTimes);
  print(`| training images/s (x vs cpu) | ${trained.join(' | ')} |`);
  print(`|---|${trained.map(() => '---').join('|')}|`);
  const cell = (b: string, arch: string) => `${(batch / trainTimes[b][arch]).toFixed(batch / trainTimes[b][arch] < 100 ? 1 : 0)}${splitNotes[b]?.[arch] ? ` [${splitNotes[b][arch]} micro-batches]` : ''}`;
  for (const arch of archs) print(`| ${arch} | ${trained.map((b) => `${cell(b, arch)}${ratio(b, trainTimes, arch)}`).join(' | ')} |`);
  torch?.print(archs, trained, trainTimes, print, cell);
  const splits = Object.entries(splitNotes).flatMap(([b, byArch]) => Object.entries(byArch).map(([arch, k]) => `${arch} on ${b} in ${k}`));
  if (splits.length) print(`\n[k micro-batches]: the batch did not fit the backend's memory and each step ran in k micro-batches, gradients accumulated (${splits.join(', ')})`);
  print(`\n| scoring images/s, LeNet, batch 256 (x vs cpu) | ${loaded.join(' | ')} |`);
  print(`|---|${loaded.map(() => '---').join('|')}|`);
  for (const s of scorers) print(`| ${s} | ${loaded.map((b) => `${(256 / scoreTimes[b][s]).toFixed(0)}${ratio(b, scoreTimes, s)}`).join(' | ')} |`);
  print(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);

  print('\n| detection metrics (FPR95+AUROC+AUPR-In+AUPR-Out) | n = 1e4 | 1e5 | 1e6 |');
  const rng = createRng(11);
  const cells: string[] = [];
  for (const n of [1e4, 1e5, 1e6]) {
    const id = Float64Array.from({ length: n }, () => rng.normal() + 1);
    const ood = Float64Array.from({ length: n }, () => rng.normal());
    const t0 = process.hrtime.bigint();
    detectionMetrics(id, ood);
    cells.push(`${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
  }
  print(`| time, n ID and n OOD scores | ${cells.join(' | ')} |`);
  if (values.out) {
    writeSection(values.out, 'speed', ['## Speed', '', `Made by \`npm run bench -- speed ${argv.join(' ')}\`.`, '', ...lines.map((l) => l.replace(/^# /, ''))].join('\n'));
    console.error(`written ${values.out}`);
  }
}

/**
 * PyTorch timed right before each of our measurements (same architecture), so every ratio pairs
 * two measurements taken under the same load: on a shared machine the load drifts by a factor of
 * two within minutes, and one PyTorch run for the whole bench would compare unlike moments.
 */
class PairedPytorch {
  /** PyTorch's seconds per step measured next to each (our column, architecture). */
  readonly paired: Record<string, Record<string, number>> = {};
  private info: PytorchTimes | undefined;

  private constructor(private readonly python: string, private readonly batch: number, private readonly steps: number, private readonly threads: number) {}

  static start(batch: number, steps: number, threads: number): PairedPytorch | string {
    const found = findTorchPython();
    if (!found.ok) return found.why;
    if (found.note) console.error(`PyTorch: ${found.note}`);
    const paired = new PairedPytorch(found.python, batch, steps, threads);
    paired.note = found.note;
    return paired;
  }

  private note: string | undefined;

  /** The highest 1-minute load average seen right after a PyTorch measurement. */
  private busiest = 0;

  /** Times `arch` in PyTorch now, as the reference of `column`'s next measurement. */
  measure(column: string, arch: string): void {
    if (!PYTORCH_ARCHS.includes(arch)) return;
    try {
      this.measureNow(column, arch);
    } finally {
      this.busiest = Math.max(this.busiest, os.loadavg()[0]);
    }
  }

  private measureNow(column: string, arch: string): void {
    const t = timePytorchSteps(this.python, [arch], this.batch, this.steps, 2, this.threads);
    this.info ??= t;
    (this.paired[column] ??= {})[arch] = t.seconds[arch];
    console.error(`  pytorch ${arch}: ${(t.seconds[arch] * 1000).toFixed(1)} ms/step (paired with ${column})`);
  }

  print(archs: string[], columns: string[], trainTimes: Record<string, Record<string, number>>, print: (line: string) => void, cell: (column: string, arch: string) => string): void {
    if (!this.info) return;
    const { torch, threads } = this.info;
    const threadChoice = this.threads > 0 ? `--torch-threads ${this.threads}` : 'its default';
    print(`\nPyTorch ${torch} on the CPU (${this.python}, ${threads} thread${threads === 1 ? '' : 's'}, ${threadChoice}), same networks, batch, loss and optimizer, timed right before each of ours; ` +
      'x = PyTorch time / ours from each pair; the pytorch column is the median of its pairs');
    if (this.note) print(`note: ${this.note}`);
    // PyTorch's own threads and ours make a load of about 2; more means other processes held cores.
    if (threads > 1 && this.busiest > os.cpus().length + 1) {
      print(`note: the machine was busy while PyTorch ran (1-minute load up to ${this.busiest.toFixed(1)} on ${os.cpus().length} cores). ` +
        "PyTorch's threads wait on each other when another process holds a core, so its times at more than one thread are then far from its speed " +
        '(seen here: an MLP step of 2 ms on one thread took 129 ms on two). Rerun on a quiet machine, or add --torch-threads 1.');
    }
    print(`| training images/s (x = PyTorch time / ours) | PyTorch ${torch} | ${columns.join(' | ')} |`);
    print(`|---|---|${columns.map(() => '---').join('|')}|`);
    for (const arch of archs) {
      const refs = columns.map((c) => this.paired[c]?.[arch]).filter((v): v is number => v !== undefined);
      if (refs.length === 0) continue;
      const cells = columns.map((c) => {
        const ref = this.paired[c]?.[arch];
        const ours = trainTimes[c]?.[arch];
        return ref === undefined || ours === undefined ? '-' : `${cell(c, arch)} (x${(ref / ours).toFixed(2)})`;
      });
      const reference = this.batch / median(refs);
      print(`| ${arch} | ${reference.toFixed(reference < 100 ? 1 : 0)} | ${cells.join(' | ')} |`);
    }
  }
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (argv: string[]) => Promise<void>> = { speed, replicate, onnx: onnxBench, 'big-nets': bigNets, 'big-net-case': bigNetCase, 'profile-step': profileStep };
const run = commands[command ?? 'speed'];
if (!run) {
  console.error(`usage: npm run bench -- speed [--backends cpu,wasm,tensorflow] [--archs mlp,lenet,cnn,resnet18] [--steps 10] [--cpu-steps 2] [--vs-pytorch [--torch-threads N]] [--workers 2] [--out docs/results.md]\n       npm run bench -- onnx [--model FILE] [--batch 256] [--images 5000] [--threads N] [--vs-pytorch]
       npm run bench -- big-nets [--backends wasm,tensorflow] [--archs wrn-40-2,resnet18,densenet-bc-100] [--batch 128] [--steps 2] [--data-dir ../shared/data/cifar10-subset]
       npm run bench -- profile-step [--backend tensorflow] [--archs lenet,cnn] [--batch 128] [--steps 5] [--top 12]
       npm run bench -- replicate [--quick] [--pairings a,b,c] [--seeds 1,2,3] [--epochs 15] [--taus ...] [--cifar-dir DIR --ood-dirs D1,D2]`);
  process.exit(2);
}
run(rest).catch((e) => {
  console.error(e);
  process.exit(1);
});
