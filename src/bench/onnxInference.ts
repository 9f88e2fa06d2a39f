/**
 * `npm run bench -- onnx [--model FILE] [--batch 256] [--images 5000] [--repeats 3] [--threads N] [--vs-pytorch]`
 *
 * Inference images/s of an ONNX classifier through ONNX Runtime as `ood-lens evaluate MODEL.onnx`
 * runs it (CPU execution provider, the logits and the penultimate features fetched), the same with
 * the byte -> normalised-float input conversion included, and with --vs-pytorch the same network
 * in PyTorch (eager, inference mode; src/bench/torchInference.py). The default model is the
 * fixture trained by scripts/onnx/cifar10_reference.py; PyTorch runs that architecture
 * (scripts/onnx/small_cifar_net.py) with random weights, which cost the same time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createImageSet } from '../core/data/imageSet';
import { OnnxClassifier } from '../core/imported/onnxClassifier';
import { inputShape, toModelInput, type Preprocessing } from '../core/imported/preprocessing';
import { createRng } from '../core/data/rng';
import { findTorchPython } from './pytorchReference';

function torchScript(): string {
  const candidates = [path.join(__dirname, 'torchInference.py'), path.join(__dirname, '..', 'src', 'bench', 'torchInference.py')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`torchInference.py not found (looked in ${candidates.join(', ')})`);
  return found;
}

export async function onnxBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: 'test/fixtures/onnx/cifar10-small/model.onnx' },
      batch: { type: 'string', default: '256' },
      images: { type: 'string', default: '5000' },
      repeats: { type: 'string', default: '3' },
      threads: { type: 'string' },
      'vs-pytorch': { type: 'boolean' },
    },
  });
  const batch = Number(values.batch);
  const batches = Math.max(1, Math.floor(Number(values.images) / batch));
  const repeats = Number(values.repeats);
  const threads = values.threads ? Number(values.threads) : undefined;
  const model = await OnnxClassifier.open(values.model as string, { threads });
  const lines: string[] = [];
  const print = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  try {
    const dims = model.graph.input.dims ?? [];
    const [c, h, w] = [dims[1], dims[2], dims[3]].map((d) => (typeof d === 'number' ? d : 32));
    const pre: Preprocessing = { layout: 'nchw', height: h, width: w, channels: c, mean: new Array(c).fill(0.5), std: new Array(c).fill(0.25), sources: {} };
    const rng = createRng(3);
    const bytes = Uint8Array.from({ length: batch * h * w * c }, () => rng.int(256));
    const set = createImageSet({ name: 'random', images: bytes, labels: new Int32Array(batch).fill(-1), height: h, width: w, channels: c });
    const indices = Int32Array.from({ length: batch }, (_, i) => i);
    const input = toModelInput(set, indices, pre);
    const shape = inputShape(batch, pre);
    const time = async (withConversion: boolean) => {
      await model.run(input, shape);
      let best = Infinity;
      for (let r = 0; r < repeats; r++) {
        const t0 = process.hrtime.bigint();
        for (let b = 0; b < batches; b++) await model.run(withConversion ? toModelInput(set, indices, pre) : input, shape);
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
      }
      return (batches * batch) / best;
    };
    const ort = await time(false);
    const ortWithInput = await time(true);
    print(`# ONNX Runtime inference, ${new Date().toISOString()}`);
    print('');
    print(`${values.model}: batch ${batch}, ${batches * batch} images a pass, best of ${repeats}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
    print('');
    print('| runtime | images/s | vs PyTorch |');
    print('|---|---|---|');
    let torch: { torch: string; threads: number; imagesPerSecond: number } | undefined;
    let torchWhy = '';
    if (values['vs-pytorch']) {
      const found = findTorchPython();
      if (found.ok) {
        const r = spawnSync(found.python, [torchScript(), '--batch', String(batch), '--images', String(batches * batch), '--repeats', String(repeats), ...(threads ? ['--threads', String(threads)] : [])], { encoding: 'utf8' });
        if (r.status === 0) torch = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
        else torchWhy = `${found.python} torchInference.py failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
      } else {
        torchWhy = found.why;
      }
    }
    const ratio = (v: number) => (torch ? `${(v / torch.imagesPerSecond).toFixed(2)}x` : '');
    print(`| onnxruntime-node 1.30 (cpu EP${threads ? `, ${threads} threads` : ''}), logits + features | ${ort.toFixed(0)} | ${ratio(ort)} |`);
    print(`| the same, with the byte -> float input conversion | ${ortWithInput.toFixed(0)} | ${ratio(ortWithInput)} |`);
    if (torch) print(`| PyTorch ${torch.torch} (${torch.threads} threads, eager, inference_mode) | ${torch.imagesPerSecond.toFixed(0)} | 1.00x |`);
    else if (values['vs-pytorch']) print(`| PyTorch | not measured: ${torchWhy} | |`);
  } finally {
    await model.dispose();
  }
}
