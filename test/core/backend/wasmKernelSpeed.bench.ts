/**
 * Measures our wasm training kernels against wasm's own (where it ships one), on the shapes
 * of the small CNN (batch 128, 28x28x1, conv32-pool-conv64-pool-fc128-fc10), and a whole SGD
 * step of that CNN with wasm's own kernels and with ours. Medians of 5 runs after a warm-up,
 * and the fastest run (the machine's other load makes the median noisy).
 * Run: node --import tsx test/core/backend/wasmKernelSpeed.bench.ts [kernels|step]
 */
import { initBackend, tf } from '../../../src/core/backend';
import { WASM_KERNELS_REPLACED, shippedWasmKernel } from '../../../src/core/backend/registerWasmTrainingKernels';

type Output = tf.Tensor | tf.Tensor[];

function timeMs(label: string, run: () => Output, repeats = 5): number {
  tf.dispose(run()); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    // wasm kernels run synchronously: the work is done when run() returns. Reading results
    // out (dataSync) would add a copy into fresh JS memory, which is not part of training.
    const out = run();
    times.push(performance.now() - start);
    tf.dispose(out);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`${label.padEnd(66)} ${median.toFixed(1).padStart(8)} ms (min ${times[0].toFixed(1)})`);
  return median;
}

/** Swaps wasm's own kernels back in for ours (or ours back in), for before/after timings. */
function useShippedKernels(shipped: boolean): void {
  const ours = useShippedKernels.ours;
  for (const name of WASM_KERNELS_REPLACED) {
    const shippedConfig = shippedWasmKernel(name);
    if (!shippedConfig) continue;
    if (!ours.has(name)) ours.set(name, tf.getKernel(name, 'wasm'));
    tf.unregisterKernel(name, 'wasm');
    const config = shipped ? shippedConfig : ours.get(name)!;
    tf.registerKernel(config);
    config.setupFunc?.(tf.backend());
  }
}
useShippedKernels.ours = new Map<string, tf.KernelConfig>();

function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown>): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

function beforeAfter(label: string, run: () => Output): void {
  useShippedKernels(true);
  const before = timeMs(`${label} (wasm's own)`, run);
  useShippedKernels(false);
  const after = timeMs(`${label} (ours)`, run);
  console.log(`${''.padEnd(66)} x${(before / after).toFixed(1)}`);
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const which = process.argv[2];
  const batch = 128;
  if (!which || which === 'kernels') {
    const layers: Array<[string, number, number, number]> = [
      // name, size, in channels, out channels (3x3, 'same', stride 1)
      ['conv1 28x28 1->32', 28, 1, 32],
      ['conv2 14x14 32->64', 14, 32, 64],
    ];
    for (const [name, size, inChannels, outChannels] of layers) {
      const x = tf.randomNormal([batch, size, size, inChannels]) as tf.Tensor4D;
      const filter = tf.randomNormal([3, 3, inChannels, outChannels]) as tf.Tensor4D;
      const dy = tf.randomNormal([batch, size, size, outChannels]) as tf.Tensor4D;
      const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC' };
      timeMs(`${name}: Conv2D forward, for scale`, () => tf.conv2d(x, filter, 1, 'same'));
      timeMs(`${name}: Conv2DBackpropFilter (ours; wasm has none)`, () => runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: filter.shape }));
      if (inChannels > 1) {
        beforeAfter(`${name}: Conv2DBackpropInput`, () => runKernel(tf.Conv2DBackpropInput, { dy, filter }, { ...attrs, inputShape: x.shape }));
      }
      // The pool after this conv: its input is the conv's relu'd output, shaped like dy.
      const poolInput = tf.relu(dy) as tf.Tensor4D;
      const pooled = tf.maxPool(poolInput, 2, 2, 'valid');
      const poolDy = tf.randomNormal(pooled.shape);
      beforeAfter(`${name}: MaxPoolGrad 2x2/2 of [${poolInput.shape}]`, () =>
        runKernel(tf.MaxPoolGrad, { dy: poolDy, input: poolInput, output: pooled }, { filterSize: 2, strides: 2, pad: 'valid' }));
      tf.dispose([x, filter, dy, poolInput, pooled, poolDy]);
    }
    const features = tf.randomNormal([batch, 3136]);
    const weights = tf.randomNormal([3136, 128]);
    const denseDy = tf.randomNormal([batch, 128]);
    timeMs('fc 3136->128: x W, for scale', () => tf.matMul(features, weights));
    beforeAfter('fc 3136->128: dW = x^T dy', () => tf.matMul(features, denseDy, true, false));
    beforeAfter('fc 3136->128: dx = dy W^T', () => tf.matMul(denseDy, weights, false, true));
    tf.dispose([features, weights, denseDy]);
  }
  if (!which || which === 'step') {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 128, activation: 'relu' }),
        tf.layers.dense({ units: 10 }),
      ],
    });
    const optimizer = tf.train.momentum(0.01, 0.9);
    const images = tf.randomNormal([batch, 28, 28, 1]);
    const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
    const step = (): tf.Tensor => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.predict(images) as tf.Tensor) as tf.Scalar, true);
      if (loss === null) throw new Error('minimize returned no loss');
      return loss;
    };
    beforeAfter('CNN train step, batch 128, SGD momentum', step);
    const profile = await tf.profile(() => { tf.dispose(step()); });
    const byKernel = new Map<string, number>();
    for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    console.log('one step with ours, time by kernel:');
    for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${name.padEnd(28)} ${ms.toFixed(1)} ms`);
  }
}
void main();
