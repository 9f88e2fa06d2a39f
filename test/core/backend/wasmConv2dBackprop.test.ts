// Our wasm Conv2DBackpropFilter (added) and Conv2DBackpropInput (stride-1 replacement, shipped
// kernel otherwise) against the pure-JS cpu backend's kernels.
import { test } from 'node:test';
import { tf } from '../../../src/core/backend';
import { assertNoLeakOnWasm, assertWasmMatchesCpu, seededValues } from './backendComparison';

type Pad = 'valid' | 'same' | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  strides: [number, number];
  pad: Pad;
}

const CASES: ConvCase[] = [
  { batch: 1, height: 5, width: 5, inChannels: 1, outChannels: 1, kernel: [1, 1], strides: [1, 1], pad: 'valid' },
  { batch: 2, height: 7, width: 6, inChannels: 3, outChannels: 4, kernel: [3, 3], strides: [1, 1], pad: 'same' },
  { batch: 2, height: 7, width: 6, inChannels: 3, outChannels: 4, kernel: [3, 3], strides: [1, 1], pad: 'valid' },
  { batch: 2, height: 7, width: 7, inChannels: 3, outChannels: 4, kernel: [3, 3], strides: [2, 2], pad: 'same' },
  { batch: 3, height: 8, width: 8, inChannels: 2, outChannels: 5, kernel: [3, 3], strides: [2, 2], pad: 'valid' },
  { batch: 2, height: 9, width: 11, inChannels: 4, outChannels: 3, kernel: [5, 5], strides: [1, 1], pad: 'valid' },
  { batch: 2, height: 9, width: 9, inChannels: 4, outChannels: 3, kernel: [5, 5], strides: [2, 2], pad: 'same' },
  { batch: 1, height: 6, width: 6, inChannels: 2, outChannels: 2, kernel: [5, 5], strides: [1, 1], pad: 'same' },
  { batch: 2, height: 10, width: 10, inChannels: 3, outChannels: 2, kernel: [1, 1], strides: [2, 2], pad: 'valid' },
  { batch: 2, height: 6, width: 9, inChannels: 3, outChannels: 2, kernel: [3, 5], strides: [1, 2], pad: 'same' },
  { batch: 2, height: 6, width: 6, inChannels: 2, outChannels: 3, kernel: [3, 3], strides: [1, 1], pad: 1 },
  { batch: 2, height: 7, width: 8, inChannels: 2, outChannels: 3, kernel: [3, 3], strides: [2, 2], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  // First layers (Ci = 1): LeNet's conv1 (conv path) and the CNN's, whose filter gradient goes
  // through im2col (>= 16 output channels), also at stride 2 and with 2 input channels.
  { batch: 3, height: 12, width: 12, inChannels: 1, outChannels: 6, kernel: [5, 5], strides: [1, 1], pad: 2 },
  { batch: 4, height: 10, width: 9, inChannels: 1, outChannels: 16, kernel: [3, 3], strides: [1, 1], pad: 'same' },
  { batch: 2, height: 9, width: 9, inChannels: 2, outChannels: 16, kernel: [3, 3], strides: [2, 2], pad: 'same' },
  // Padding wider than the filter reaches: the stride-1 replacement must hand over to the shipped kernel.
  { batch: 1, height: 4, width: 4, inChannels: 2, outChannels: 2, kernel: [1, 1], strides: [1, 1], pad: 1 },
  // A batch and channel count of the small CNN's second layer, smaller spatially.
  { batch: 16, height: 8, width: 8, inChannels: 32, outChannels: 64, kernel: [3, 3], strides: [1, 1], pad: 'same' },
];

function describeCase(c: ConvCase): string {
  return `x [${c.batch},${c.height},${c.width},${c.inChannels}] k ${c.kernel.join('x')} -> ${c.outChannels}, strides ${c.strides}, pad ${JSON.stringify(c.pad)}`;
}

/** The conv's output shape, as tfjs computes it (the shape dy has). */
function outputShape(c: ConvCase): number[] {
  const filterShape: [number, number, number, number] = [...c.kernel, c.inChannels, c.outChannels];
  return tf.backend_util.computeConv2DInfo([c.batch, c.height, c.width, c.inChannels], filterShape, c.strides, 1, c.pad).outShape;
}

function tensorsFor(c: ConvCase, seed: number): { x: tf.Tensor4D; filter: tf.Tensor4D; dy: tf.Tensor4D } {
  const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.inChannels];
  const filterShape: [number, number, number, number] = [...c.kernel, c.inChannels, c.outChannels];
  const dyShape = outputShape(c) as [number, number, number, number];
  const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
  return {
    x: tf.tensor4d(seededValues(count(xShape), seed), xShape),
    filter: tf.tensor4d(seededValues(count(filterShape), seed + 1), filterShape),
    dy: tf.tensor4d(seededValues(count(dyShape), seed + 2), dyShape),
  };
}

function backpropFilter(c: ConvCase, t: { x: tf.Tensor4D; dy: tf.Tensor4D }): tf.Tensor {
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: [...c.kernel, c.inChannels, c.outChannels] };
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: t.x, dy: t.dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function backpropInput(c: ConvCase, t: { filter: tf.Tensor4D; dy: tf.Tensor4D }): tf.Tensor {
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.batch, c.height, c.width, c.inChannels] };
  return tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: t.dy, filter: t.filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

test('Conv2DBackpropFilter on wasm equals the cpu backend', async () => {
  for (const [i, c] of CASES.entries()) {
    await assertWasmMatchesCpu(`dW, ${describeCase(c)}`, () => backpropFilter(c, tensorsFor(c, 100 * i)));
  }
});

test('Conv2DBackpropInput on wasm equals the cpu backend', async () => {
  for (const [i, c] of CASES.entries()) {
    await assertWasmMatchesCpu(`dx, ${describeCase(c)}`, () => backpropInput(c, tensorsFor(c, 100 * i + 7)));
  }
});

test('the conv backprop kernels leave no tensor or wasm buffer behind', async () => {
  // Covers the cropping path (stride 2, valid, even size), the replacement, the fallback and im2col.
  for (const c of [CASES[4], CASES[1], CASES[3], CASES[13]]) {
    await assertNoLeakOnWasm(`dW, ${describeCase(c)}`, () => tensorsFor(c, 1), (t) => backpropFilter(c, t));
    await assertNoLeakOnWasm(`dx, ${describeCase(c)}`, () => tensorsFor(c, 2), (t) => backpropInput(c, t));
  }
});
