/**
 * Runs one computation on the pure-JS cpu backend and on wasm, from the same input numbers,
 * and compares the results. The cpu backend is the independent reference.
 */
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../../src/core/backend';

/** Deterministic numbers in [-1, 1) (a linear congruential generator), so failures repeat. */
export function seededValues(count: number, seed: number, integers = false): Float32Array {
  const values = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const uniform = state / 2 ** 32;
    // Small integers make ties (equal maxima) common, which max-pool gradients must break alike.
    values[i] = integers ? Math.floor(uniform * 4) : uniform * 2 - 1;
  }
  return values;
}

/** The largest |a[i] - b[i]| and the largest |b[i]| (the scale a tolerance is relative to). */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): { worst: number; scale: number } {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { worst, scale };
}

export type Computation = () => tf.Tensor | tf.Tensor[];

/** Runs `compute` on one backend and returns its outputs as plain arrays (with their shapes). */
export async function runOn(backendName: 'cpu' | 'wasm', compute: Computation): Promise<{ shape: number[]; values: Float32Array }[]> {
  await initBackend(backendName);
  const outputs = tf.tidy(compute);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const results = list.map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
  tf.dispose(list);
  return results;
}

/**
 * Asserts wasm and cpu agree: same shapes, and every element within `relativeTolerance`
 * of the largest magnitude of the cpu result (float32 sums differ in order between backends).
 */
export async function assertWasmMatchesCpu(label: string, compute: Computation, relativeTolerance = 1e-5): Promise<void> {
  const expected = await runOn('cpu', compute);
  const actual = await runOn('wasm', compute);
  assert.equal(actual.length, expected.length, `${label}: number of outputs`);
  expected.forEach((reference, k) => {
    const got = actual[k];
    assert.deepEqual(got.shape, reference.shape, `${label}: shape of output ${k}`);
    let scale = 0;
    for (const v of reference.values) scale = Math.max(scale, Math.abs(v));
    const allowed = relativeTolerance * Math.max(scale, 1e-3);
    let worst = 0;
    let worstAt = -1;
    for (let i = 0; i < reference.values.length; i++) {
      const diff = Math.abs(got.values[i] - reference.values[i]);
      if (!(diff <= worst)) { worst = diff; worstAt = i; }
    }
    assert.ok(worst <= allowed,
      `${label}: output ${k} differs by ${worst} at ${worstAt} (cpu ${reference.values[worstAt]}, wasm ${got.values[worstAt]}); allowed ${allowed}`);
  });
}

/**
 * Asserts a wasm kernel call leaves no tensor and no wasm buffer behind once its output is
 * disposed. Intermediates of our kernels are backend buffers, not tensors, so both counts
 * are checked.
 */
export async function assertNoLeakOnWasm<Inputs extends tf.TensorContainer>(
  label: string,
  makeInputs: () => Inputs,
  run: (inputs: Inputs) => tf.Tensor | tf.Tensor[],
): Promise<void> {
  await initBackend('wasm');
  const inputs = makeInputs();
  tf.dispose(run(inputs)); // the first call may fill caches
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.engine().backend.numDataIds();
  tf.dispose(run(inputs));
  assert.equal(tf.memory().numTensors, tensorsBefore, `${label}: tensors leaked`);
  assert.equal(tf.engine().backend.numDataIds(), buffersBefore, `${label}: wasm buffers leaked`);
  tf.dispose(inputs);
}
