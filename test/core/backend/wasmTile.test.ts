// Our wasm Tile (block copies over the wasm heap) and batch norm (x * a + c) against the pure-JS cpu backend, and
// the batch-norm backward pass, the place training calls it, against cpu.
import { test } from 'node:test';
import { tf } from '../../../src/core/backend';
import { assertNoLeakOnWasm, assertWasmMatchesCpu, seededValues } from './backendComparison';

const CASES: { shape: number[]; reps: number[] }[] = [
  { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1] }, // batch norm's statistics up to [N, H, W, C]
  { shape: [7], reps: [5] },
  { shape: [2, 3], reps: [3, 2] },
  { shape: [2, 1, 3], reps: [1, 4, 2] },
  { shape: [3, 2, 2, 2], reps: [1, 1, 1, 1] },
  { shape: [2, 3, 1, 2], reps: [2, 1, 3, 2] },
  { shape: [2, 2], reps: [0, 3] },
];

for (const { shape, reps } of CASES) {
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    test(`Tile of ${dtype} [${shape}] by [${reps}] equals cpu's, element for element`, async () => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = seededValues(size, size + reps.length, dtype !== 'float32');
      await assertWasmMatchesCpu(`tile ${dtype} [${shape}] x [${reps}]`, () => {
        const x = dtype === 'bool' ? tf.tensor(Array.from(values, (v) => v > 1), shape, 'bool') : tf.tensor(values, shape, dtype);
        return tf.cast(tf.tile(x, reps), 'float32');
      }, 0);
    });
  }
}

test('the gradients of batch norm (batch statistics, then ReLU) are the same on wasm and cpu', async () => {
  await assertWasmMatchesCpu('batch norm gradients', () => {
    const x = tf.variable(tf.tensor4d(seededValues(4 * 5 * 5 * 6, 21), [4, 5, 5, 6]), true, 'bnX');
    const gamma = tf.variable(tf.tensor1d(seededValues(6, 22)), true, 'bnGamma');
    const beta = tf.variable(tf.tensor1d(seededValues(6, 23)), true, 'bnBeta');
    const weights = tf.tensor4d(seededValues(4 * 5 * 5 * 6, 24), [4, 5, 5, 6]);
    const { value, grads } = tf.variableGrads(() => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const y = tf.relu(tf.batchNorm(x, mean, variance, beta, gamma, 1e-5));
      return tf.sum(tf.mul(y, weights)) as tf.Scalar;
    }, [x, gamma, beta]);
    const out = [value, grads[x.name], grads[gamma.name], grads[beta.name]];
    tf.dispose([x, gamma, beta]);
    return out;
  }, 2e-5);
});

test('Tile on wasm leaves no tensor or wasm buffer behind', async () => {
  await assertNoLeakOnWasm('tile', () => ({ x: tf.tensor4d(seededValues(6, 3), [1, 1, 2, 3]) }), ({ x }) => tf.tile(x, [2, 3, 1, 2]));
});

test('batch norm on wasm (x * a + c) equals the cpu backend, with and without scale and offset', async () => {
  const values = seededValues(3 * 4 * 4 * 5, 61);
  await assertWasmMatchesCpu('batch norm forward', () => {
    const x = tf.tensor4d(values, [3, 4, 4, 5]);
    const mean = tf.tensor1d([0.1, -0.2, 0.3, 0, 0.5]);
    const variance = tf.tensor1d([0.5, 1, 2, 0.01, 3]);
    return [
      tf.batchNorm(x, mean, variance, tf.tensor1d([0, 1, -1, 0.25, 2]), tf.tensor1d([1.5, -1, 0.5, 2, 1]), 1e-3),
      tf.batchNorm(x, mean, variance, undefined, undefined, 1e-5),
      tf.batchNorm(x, tf.reshape(mean, [1, 1, 1, 5]), tf.reshape(variance, [1, 1, 1, 5]), undefined, tf.ones([1, 1, 1, 5]), 1e-3),
    ];
  });
});

test('batch norm on wasm leaves no tensor or wasm buffer behind', async () => {
  await assertNoLeakOnWasm('batch norm', () => ({ x: tf.tensor4d(seededValues(2 * 3 * 3 * 4, 7), [2, 3, 3, 4]), mean: tf.tensor1d([0, 1, 2, 3]), variance: tf.tensor1d([1, 2, 3, 4]) }),
    ({ x, mean, variance }) => tf.batchNorm(x, mean, variance, mean, variance, 1e-3));
});
