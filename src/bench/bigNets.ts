/**
 * `npm run bench -- big-nets [--backends wasm,tensorflow] [--archs wrn-40-2,resnet18,densenet-bc-100]
 *   [--batch 128] [--steps 2] [--data-dir ../shared/data/cifar10-subset]`
 *
 * The paper's networks training real steps on 32x32x3 images (a CIFAR-10 folder: train/<class>/*.jpg)
 * on each backend, through the trainer's own path: the step's memory measured and planned before
 * the first step (micro-batches where the batch does not fit, microBatches.ts), then SGD steps
 * with the LogitNorm loss. Each (backend, network) runs in a child process of its own, so the
 * WebAssembly heap (which only grows) is that case's alone and a crash is one failed row, not the
 * end of the bench. Prints one table: the plan, the memory the process really took (the
 * WebAssembly heap's high-water mark, the peak RSS), the time of each step and images/s of the
 * last step.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, tf, type BackendName } from '../core/backend';
import { gib, memoryBudget, wasmHeapBytes } from '../core/backend/memoryLimit';
import { labelsTensor, toTensor } from '../core/data';
import { loadImageFolder } from '../core/data/imageFolder';
import { createRng, shuffledIndices } from '../core/data/rng';
import { getLoss } from '../core/losses';
import { buildModel } from '../core/models/registry';
import { microBatchSizes, planTrainingMemory, stepGradients } from '../core/train/microBatches';
import { shardGradients } from '../core/train/shardGradients';
import { Sgd } from '../core/train/sgd';
import { trainableVariables } from '../core/train/trainer';

interface CaseResult {
  backend: string;
  arch: string;
  batch: number;
  microBatches: number[];
  plannedBytes: number;
  budgetBytes: number;
  /** The child process's peak resident memory. */
  maxRssBytes: number;
  /** The WebAssembly heap at the end (its high-water mark, since it only grows), wasm only. */
  heapBytes?: number;
  stepSeconds: number[];
  losses: number[];
}

function defaultDataDir(): string {
  return path.resolve('..', 'shared', 'data', 'cifar10-subset');
}

/** One (backend, network): run in a child process by bigNets. Prints one JSON line. */
export async function bigNetCase(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { backend: { type: 'string' }, arch: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' }, 'data-dir': { type: 'string' } } });
  const backend = values.backend as BackendName;
  const arch = String(values.arch);
  const batch = Number(values.batch ?? 128);
  const steps = Number(values.steps ?? 2);
  const info = await initBackend(backend);
  const data = await loadImageFolder(values['data-dir'] ?? defaultDataDir());
  const set = data.train;
  const shape: [number, number, number] = [set.height, set.width, set.channels];
  const model = buildModel({ arch, inputShape: shape, numClasses: data.numClasses, seed: 1, dropout: arch.startsWith('wrn') ? 0.3 : 0 });
  const variables = trainableVariables(model);
  const sgd = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const loss = getLoss('logitnorm');
  const compute = (x: tf.Tensor4D, y: tf.Tensor1D) => shardGradients(model, variables, x, y, loss, { tau: 0.04 });
  const budget = memoryBudget(info.name);
  const plan = await planTrainingMemory(
    model,
    (n) => {
      const indices = Array.from({ length: n }, (_, i) => i);
      return { x: toTensor(set, indices, data.normalization), y: labelsTensor(set, indices) };
    },
    compute,
    { budget, batchSize: batch, pendingOptimizerBytes: 4 * variables.reduce((n, v) => n + v.size, 0), backend: info.name, arch, imageShape: shape },
  );
  console.error(`${info.name} ${arch}: ${plan.summary}`);
  const stepSeconds: number[] = [];
  const losses: number[] = [];
  // The folder lists its images class by class: a seeded shuffle gives batches of every class.
  const order = shuffledIndices(set.count, createRng(1));
  for (let step = 0; step < steps; step++) {
    const indices = Array.from({ length: batch }, (_, i) => order[(step * batch + i) % set.count]);
    const x = toTensor(set, indices, data.normalization);
    const y = labelsTensor(set, indices);
    const t0 = process.hrtime.bigint();
    const r = await stepGradients(model, x, y, plan.microBatch, compute);
    losses.push((await r.value.data())[0]);
    sgd.step(variables, r.grads, 0.1);
    await variables[0].data();
    tf.dispose([r.value, r.grads, r.correct, r.normSum]);
    stepSeconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    tf.dispose([x, y]);
    console.error(`  step ${step + 1}: ${stepSeconds[step].toFixed(1)} s, loss ${losses[step].toFixed(4)}`);
  }
  const result: CaseResult = {
    backend: info.name, arch, batch, microBatches: microBatchSizes(batch, plan.microBatch), plannedBytes: plan.peakBytes, budgetBytes: budget.bytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024, heapBytes: wasmHeapBytes(tf.backend()), stepSeconds, losses,
  };
  console.log(JSON.stringify(result));
}

export async function bigNets(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { backends: { type: 'string' }, archs: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const backends = (values.backends ?? 'wasm,tensorflow').split(',');
  const archs = (values.archs ?? 'wrn-40-2,resnet18,densenet-bc-100').split(',');
  const batch = values.batch ?? '128';
  const steps = values.steps ?? '2';
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  if (!fs.existsSync(path.join(dataDir, 'train'))) {
    console.error(`big-nets: no ${path.join(dataDir, 'train')}: pass --data-dir with a CIFAR-10 image folder (train/<class>/*.jpg)`);
    process.exit(2);
  }
  console.log(`# OOD Lens big networks, ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}, ${gib(os.totalmem())}, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`${dataDir}, batch ${batch}, ${steps} SGD steps (LogitNorm, Nesterov momentum 0.9), each case in its own process; images/s of the last step\n`);
  const rows: string[] = [];
  for (const backend of backends) {
    for (const arch of archs) {
      console.error(`big-nets: ${arch} on ${backend} ...`);
      const r = spawnSync(process.execPath, [process.argv[1], 'big-net-case', '--backend', backend, '--arch', arch, '--batch', batch, '--steps', steps, '--data-dir', dataDir], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 2 ** 20,
      });
      process.stderr.write(r.stderr.split('\n').filter((l) => /^\S+ \S+: memory|^ {2}step/.test(l)).map((l) => `  ${l}\n`).join(''));
      const line = r.stdout.trim().split('\n').pop() ?? '';
      let c: CaseResult | undefined;
      try {
        c = JSON.parse(line) as CaseResult;
      } catch {
        c = undefined;
      }
      if (r.status !== 0 || !c) {
        const why = (r.stderr || String(r.error)).trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0] ?? `exit ${r.status}`;
        rows.push(`| ${arch} | ${backend} | failed: ${why.slice(0, 160)} | | | | | |`);
        continue;
      }
      const split = c.microBatches.length > 1 ? `${c.microBatches.length} x ${c.microBatches[0]}` : 'whole batch';
      const heap = c.heapBytes !== undefined ? gib(c.heapBytes) : '-';
      rows.push(`| ${arch} | ${backend} | ${split} | ${gib(c.plannedBytes)} of ${gib(c.budgetBytes)} | ${heap} | ${gib(c.maxRssBytes)} | ${c.stepSeconds.map((s) => s.toFixed(1)).join(', ')} | ${(c.batch / c.stepSeconds[c.stepSeconds.length - 1]).toFixed(1)} |`);
    }
  }
  console.log('planned peak: tensor bytes of a step as planned (microBatches.ts), against the backend\'s budget; wasm heap: its size at the end (it only grows); peak RSS: the process\'s\n');
  console.log('| network | backend | micro-batches | planned peak of budget | wasm heap | peak RSS | step seconds | images/s |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}
