// The gradient of mean (our broadcast of dy / n) against the formula worked out by hand:
// d mean_A(x) / dx = dy (of the kept position) / n, on wasm and on the pure-JS cpu backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend, tf } from '../../../src/core/backend';
import { seededValues } from './backendComparison';

const CASES: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
  { shape: [4, 3, 3, 2], axis: [0, 1, 2], keepDims: true }, // batch-norm moments
  { shape: [4, 3, 3, 2], axis: [0, 1, 2], keepDims: false },
  { shape: [5, 6], axis: 1, keepDims: false },
  { shape: [5, 6], axis: -2, keepDims: true },
  { shape: [2, 3, 4], axis: [0, 2], keepDims: false },
  { shape: [7], axis: 0, keepDims: false },
];

for (const backend of ['wasm', 'cpu'] as const) {
  for (const { shape, axis, keepDims } of CASES) {
    test(`gradient of mean of [${shape}] over ${JSON.stringify(axis)}${keepDims ? ' (keepDims)' : ''} on ${backend} is dy / n`, async () => {
      await initBackend(backend);
      const size = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(seededValues(size, 3), shape);
      const axes = tf.util.parseAxisParam(axis, shape);
      const n = axes.reduce((p, a) => p * shape[a], 1);
      const outShape = tf.mean(x, axis, keepDims).shape;
      const weights = tf.tensor(seededValues(outShape.reduce((a, b) => a * b, 1), 9), outShape);
      // L = sum(w * mean(x)), so dL/dx at any position is the w of the position it is averaged into, over n.
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(weights, tf.mean(t, axis, keepDims))))(x);
      assert.deepEqual(grad.shape, shape);
      const g = grad.dataSync();
      const w = weights.dataSync();
      const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
      const keptAxes = shape.map((_, i) => i).filter((i) => !axes.includes(i));
      for (let i = 0; i < size; i++) {
        const index = shape.map((s, d) => Math.floor(i / strides[d]) % s);
        let flat = 0;
        for (const d of keptAxes) flat = flat * shape[d] + index[d];
        const want = Math.fround(w[flat] / n);
        assert.equal(g[i], want, `element ${i}`);
      }
      tf.dispose([x, weights, grad]);
    });
  }
}
