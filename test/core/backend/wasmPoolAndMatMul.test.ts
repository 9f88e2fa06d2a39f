// Our wasm MaxPoolGrad (one pass in JavaScript over the wasm heap; the shipped one drops the
// gradient of all-negative windows) and BatchMatMul (transpose, then plain product) against
// the pure-JS cpu backend.
import { test } from 'node:test';
import { tf } from '../../../src/core/backend';
import { assertNoLeakOnWasm, assertWasmMatchesCpu, seededValues } from './backendComparison';

interface PoolCase {
  shape: [number, number, number, number];
  filterSize: [number, number];
  strides: [number, number];
  pad: 'valid' | 'same' | number;
  /** Small integer inputs, so windows often hold several equal maxima. */
  ties: boolean;
}

const POOL_CASES: PoolCase[] = [
  { shape: [2, 8, 8, 3], filterSize: [2, 2], strides: [2, 2], pad: 'valid', ties: false },
  { shape: [2, 8, 8, 3], filterSize: [2, 2], strides: [2, 2], pad: 'valid', ties: true },
  { shape: [3, 7, 9, 2], filterSize: [2, 2], strides: [2, 2], pad: 'valid', ties: true },
  { shape: [3, 7, 9, 2], filterSize: [2, 2], strides: [2, 2], pad: 'same', ties: true },
  { shape: [2, 9, 9, 4], filterSize: [3, 3], strides: [2, 2], pad: 'same', ties: true },
  { shape: [2, 9, 9, 4], filterSize: [3, 3], strides: [2, 2], pad: 'same', ties: false },
  { shape: [1, 6, 7, 2], filterSize: [3, 3], strides: [1, 1], pad: 'same', ties: true },
  { shape: [2, 10, 10, 1], filterSize: [5, 5], strides: [2, 2], pad: 'valid', ties: false },
  { shape: [2, 6, 6, 2], filterSize: [3, 3], strides: [2, 2], pad: 1, ties: true },
];

function poolTensors(c: PoolCase, seed: number): { input: tf.Tensor4D; output: tf.Tensor4D; dy: tf.Tensor4D } {
  const size = c.shape.reduce((a, b) => a * b, 1);
  const input = tf.tensor4d(seededValues(size, seed, c.ties), c.shape);
  const output = tf.maxPool(input, c.filterSize, c.strides, c.pad);
  const dy = tf.tensor4d(seededValues(output.size, seed + 1), output.shape);
  return { input, output, dy };
}

function maxPoolGrad(c: PoolCase, t: { input: tf.Tensor4D; output: tf.Tensor4D; dy: tf.Tensor4D }): tf.Tensor {
  const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
  return tf.engine().runKernel(tf.MaxPoolGrad, t, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

test('MaxPoolGrad on wasm equals the cpu backend, ties included', async () => {
  for (const [i, c] of POOL_CASES.entries()) {
    const label = `maxPoolGrad x [${c.shape}] pool ${c.filterSize} strides ${c.strides} pad ${c.pad}${c.ties ? ' (ties)' : ''}`;
    await assertWasmMatchesCpu(label, () => maxPoolGrad(c, poolTensors(c, 31 * i)));
  }
});

test('MaxPoolGrad of 2x2 windows, stride 2 (the fast path) equals cpu where windows hold -Infinity', async () => {
  const shape: [number, number, number, number] = [2, 6, 7, 5];
  const values = seededValues(2 * 6 * 7 * 5, 77, true);
  // Every 7th value -Infinity: some windows are partly, a few wholly, -Infinity.
  for (let i = 0; i < values.length; i += 7) values[i] = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < 20; i++) values[i] = Number.NEGATIVE_INFINITY;
  await assertWasmMatchesCpu('maxPoolGrad 2x2 with -Infinity', () => {
    const input = tf.tensor4d(values, shape);
    const output = tf.maxPool(input, 2, 2, 'valid');
    const dy = tf.tensor4d(seededValues(output.size, 78), output.shape);
    return tf.engine().runKernel(tf.MaxPoolGrad, { dy, input, output }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' } as unknown as tf.NamedAttrMap) as tf.Tensor;
  });
});

test('the gradient of maxPool through tf.grad is the same on wasm and cpu', async () => {
  const c = POOL_CASES[4];
  await assertWasmMatchesCpu('grad of maxPool', () => {
    const { input, dy } = poolTensors(c, 5);
    return tf.grad((x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, c.filterSize, c.strides, c.pad).mul(dy).sum())(input);
  });
});

interface MatMulCase {
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const MATMUL_CASES: MatMulCase[] = [
  { aShape: [5, 7], bShape: [7, 3], transposeA: false, transposeB: false },
  { aShape: [7, 5], bShape: [7, 3], transposeA: true, transposeB: false },
  { aShape: [5, 7], bShape: [3, 7], transposeA: false, transposeB: true },
  { aShape: [7, 5], bShape: [3, 7], transposeA: true, transposeB: true },
  { aShape: [4, 9, 6], bShape: [4, 9, 2], transposeA: true, transposeB: false },
  { aShape: [4, 6, 9], bShape: [1, 2, 9], transposeA: false, transposeB: true },
  { aShape: [2, 3, 8, 1], bShape: [2, 3, 5, 8], transposeA: true, transposeB: true },
  // The dense layer of the small CNN, smaller batch: x^T dy and dy W^T.
  { aShape: [32, 3136], bShape: [32, 128], transposeA: true, transposeB: false },
  { aShape: [32, 128], bShape: [3136, 128], transposeA: false, transposeB: true },
];

function matMulTensors(c: MatMulCase, seed: number): { a: tf.Tensor; b: tf.Tensor } {
  const count = (shape: number[]): number => shape.reduce((x, y) => x * y, 1);
  return { a: tf.tensor(seededValues(count(c.aShape), seed), c.aShape), b: tf.tensor(seededValues(count(c.bShape), seed + 1), c.bShape) };
}

function batchMatMul(c: MatMulCase, t: { a: tf.Tensor; b: tf.Tensor }): tf.Tensor {
  return tf.engine().runKernel(tf.BatchMatMul, t, { transposeA: c.transposeA, transposeB: c.transposeB }) as tf.Tensor;
}

test('BatchMatMul on wasm equals the cpu backend, transposed or not', async () => {
  for (const [i, c] of MATMUL_CASES.entries()) {
    const label = `matMul [${c.aShape}]${c.transposeA ? '^T' : ''} x [${c.bShape}]${c.transposeB ? '^T' : ''}`;
    await assertWasmMatchesCpu(label, () => batchMatMul(c, matMulTensors(c, 17 * i)));
  }
});

test('MaxPoolGrad and BatchMatMul leave no tensor or wasm buffer behind', async () => {
  for (const c of [POOL_CASES[2], POOL_CASES[4]]) {
    await assertNoLeakOnWasm(`maxPoolGrad [${c.shape}]`, () => poolTensors(c, 3), (t) => maxPoolGrad(c, t));
  }
  for (const c of MATMUL_CASES.slice(1, 4)) {
    await assertNoLeakOnWasm(`matMul ${c.transposeA} ${c.transposeB}`, () => matMulTensors(c, 3), (t) => batchMatMul(c, t));
  }
});
