// Our wasm Sum and Mean over leading axes (a ones-vector product) against sums worked out in
// float64 in plain JS, and the cases that go to wasm's own kernels against the cpu backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend, tf } from '../../../src/core/backend';
import { leadingAxesCount } from '../../../src/core/backend/wasmLeadingAxesReduce';
import { assertNoLeakOnWasm, assertWasmMatchesCpu, seededValues } from './backendComparison';

/** Sum (or mean) over the first k axes of a row-major array, in float64, with the sum of |x| per output. */
function reduceLeading(values: Float32Array, shape: number[], k: number, mean: boolean): { exact: Float64Array; magnitude: Float64Array } {
  const reduced = shape.slice(0, k).reduce((a, b) => a * b, 1);
  const width = values.length / reduced;
  const exact = new Float64Array(width);
  const magnitude = new Float64Array(width);
  for (let m = 0; m < reduced; m++) {
    for (let c = 0; c < width; c++) {
      exact[c] += values[m * width + c];
      magnitude[c] += Math.abs(values[m * width + c]);
    }
  }
  if (mean) for (let c = 0; c < width; c++) { exact[c] /= reduced; magnitude[c] /= reduced; }
  return { exact, magnitude };
}

const CASES: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
  { shape: [128, 28, 28, 4], axis: [0, 1, 2], keepDims: true }, // batch-norm statistics, 100,352 terms each
  { shape: [64, 10, 10, 16], axis: [0, 1, 2], keepDims: false }, // a conv bias gradient
  { shape: [300, 7], axis: 0, keepDims: false },
  { shape: [20, 9, 5], axis: [1, 0], keepDims: false }, // axes in any order
  { shape: [20, 9, 5], axis: [-3, -2], keepDims: true }, // negative axes
  { shape: [40, 30], axis: [0, 1], keepDims: false }, // everything: a scalar
  { shape: [40, 30], axis: [0, 1], keepDims: true },
];

for (const { shape, axis, keepDims } of CASES) {
  for (const mean of [false, true]) {
    test(`${mean ? 'Mean' : 'Sum'} of [${shape}] over ${JSON.stringify(axis)}${keepDims ? ' (keepDims)' : ''} on wasm equals a float64 sum`, async () => {
      await initBackend('wasm');
      const size = shape.reduce((a, b) => a * b, 1);
      const values = seededValues(size, size + 7);
      const x = tf.tensor(values, shape);
      const out = mean ? tf.mean(x, axis, keepDims) : tf.sum(x, axis, keepDims);
      const axes = tf.util.parseAxisParam(axis, shape);
      const k = leadingAxesCount(axes);
      const kept = shape.slice(k);
      assert.deepEqual(out.shape, keepDims ? [...shape.slice(0, k).map(() => 1), ...kept] : kept);
      const got = out.dataSync();
      const { exact, magnitude } = reduceLeading(values, shape, k, mean);
      for (let c = 0; c < exact.length; c++) {
        // Float32 accumulation: well inside 1e-5 of the sum of magnitudes at these sizes.
        assert.ok(Math.abs(got[c] - exact[c]) <= 1e-5 * magnitude[c] + 1e-7, `output ${c}: ${got[c]} vs ${exact[c]}`);
      }
      tf.dispose([x, out]);
    });
  }
}

test('Sum and Mean over other axes, of int32, and of small tensors (wasm\'s own kernels) still equal cpu\'s', async () => {
  const values = seededValues(6 * 5 * 4, 3);
  await assertWasmMatchesCpu('inner and middle axes', () => {
    const x = tf.tensor3d(values, [6, 5, 4]);
    return [tf.sum(x, 2), tf.sum(x, [1, 2]), tf.mean(x, 1), tf.mean(x, [0, 2], true), tf.sum(x, [0, 1]), tf.mean(x, 0)];
  });
  await assertWasmMatchesCpu('int32 leading axes', () => tf.cast(tf.sum(tf.tensor2d(seededValues(200 * 3, 4, true), [200, 3], 'int32'), 0), 'float32'), 0);
});

test('leadingAxesCount: only 0..k-1 in any order counts', () => {
  assert.equal(leadingAxesCount([0, 1, 2]), 3);
  assert.equal(leadingAxesCount([1, 0]), 2);
  assert.equal(leadingAxesCount([1, 2]), -1);
  assert.equal(leadingAxesCount([0, 2]), -1);
});

test('Sum over leading axes on wasm leaves no tensor or wasm buffer behind', async () => {
  await assertNoLeakOnWasm('sum', () => ({ x: tf.tensor4d(seededValues(16 * 4 * 4 * 3, 5), [16, 4, 4, 3]) }), ({ x }) => [tf.sum(x, [0, 1, 2]), tf.mean(x, [0, 1], true)]);
});
