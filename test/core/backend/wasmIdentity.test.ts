// Identity (tf.clone) on wasm: a second reference to the same heap memory, not a copy. Same values
// as the pure-JS backend, the memory kept until its last reference is disposed, and a whole
// training step of a batch-norm CNN (whose tape clones every saved tensor) the same on wasm and cpu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../../src/core/backend';
import { getLoss } from '../../../src/core/losses';
import { buildModel } from '../../../src/core/models/registry';
import { shardGradients } from '../../../src/core/train/shardGradients';
import { trainableVariables } from '../../../src/core/train/trainer';
import { assertWasmMatchesCpu, seededValues } from './backendComparison';

type WasmBackend = { getMemoryOffset(dataId: tf.DataId): number; refCount(dataId: tf.DataId): number };

test('a clone on wasm shares the memory, keeps it after the original is disposed, and frees it with the last reference', async () => {
  await initBackend('wasm');
  const backend = tf.backend() as unknown as WasmBackend;
  const before = tf.memory();
  for (const [values, dtype] of [[seededValues(12, 3), 'float32'], [Int32Array.from([1, -2, 3, 4]), 'int32'], [Uint8Array.from([1, 0, 1]), 'bool']] as const) {
    const x = tf.tensor(values, [values.length], dtype);
    const y = tf.clone(x);
    assert.notEqual(y.id, x.id);
    assert.equal(backend.getMemoryOffset(y.dataId), backend.getMemoryOffset(x.dataId), `${dtype}: same heap memory`);
    assert.equal(backend.refCount(x.dataId), 2);
    const expected = Array.from(await x.data());
    x.dispose();
    assert.deepEqual(Array.from(await y.data()), expected, `${dtype}: the clone outlives the original`);
    assert.equal(backend.refCount(y.dataId), 1);
    y.dispose();
  }
  const strings = tf.tensor(['a', 'bc']);
  const stringClone = tf.clone(strings);
  assert.deepEqual(await stringClone.data(), ['a', 'bc']);
  tf.dispose([strings, stringClone]);
  assert.equal(tf.memory().numBytes, before.numBytes);
  assert.equal(tf.memory().numTensors, before.numTensors);
});

test('a training step of the batch-norm CNN gives the same loss and gradients on wasm and cpu', async () => {
  await assertWasmMatchesCpu('cnn training step', () => {
    const model = buildModel({ arch: 'cnn', inputShape: [28, 28, 1], numClasses: 10, seed: 2 });
    const variables = trainableVariables(model);
    const x = tf.tensor4d(seededValues(6 * 784, 7), [6, 28, 28, 1]);
    const y = tf.tensor1d([0, 3, 5, 7, 9, 1], 'int32');
    const r = shardGradients(model, variables, x, y, getLoss('logitnorm'), { tau: 0.04 });
    const out = [r.value, ...variables.map((v) => r.grads[v.name])];
    tf.dispose([r.correct, r.normSum]);
    model.dispose();
    return out;
  });
});
