// Backend selection here: no native TensorFlow package is installed (they are optional
// dependencies whose install needs internet access), so 'auto' must land on wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND_NAMES, initBackend, tf } from '../../../src/core/backend';
import { isPackageInstalled } from '../../../src/core/backend/nativeTensorflowPackages';
import { isUserInputError } from '../../../src/core/errors';

const nativeInstalled = isPackageInstalled('@tensorflow/tfjs-node') || isPackageInstalled('@tensorflow/tfjs-node-gpu');

test("'auto' picks wasm and says tfjs-node and tfjs-node-gpu are absent", { skip: nativeInstalled && 'a native package is installed' }, async () => {
  const info = await initBackend('auto');
  assert.equal(info.name, 'wasm');
  assert.equal(info.tfBackend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(info.tried.map((t) => [t.name, t.ok]), [['tensorflow-gpu', false], ['tensorflow', false], ['wasm', true]]);
  assert.match(info.reason, /tfjs-node-gpu: not installed/);
  assert.match(info.reason, /tfjs-node: not installed/);
  assert.match(info.reason, /wasm: loaded/);
});

test("'tensorflow' and 'tensorflow-gpu' are a UserInputError that names the package and the way out", { skip: nativeInstalled && 'a native package is installed' }, async () => {
  for (const name of ['tensorflow', 'tensorflow-gpu'] as const) {
    await assert.rejects(initBackend(name), (e: unknown) => {
      assert.ok(isUserInputError(e), `${name}: expected a UserInputError, got ${String(e)}`);
      assert.equal(e.input, name);
      assert.match(e.message, new RegExp(`backend '${name}' cannot be used`));
      assert.match(e.message, /not installed/);
      assert.match(e.message, name === 'tensorflow' ? /npm install @tensorflow\/tfjs-node@/ : /npm install @tensorflow\/tfjs-node-gpu@/);
      assert.match(e.message, /'wasm'/);
      return true;
    });
  }
});

test('an unknown name is a UserInputError listing the names', async () => {
  await assert.rejects(initBackend('webgpu' as never), (e: unknown) => {
    assert.ok(isUserInputError(e));
    for (const name of BACKEND_NAMES) assert.ok(e.message.includes(name), e.message);
    return true;
  });
});

test('cpu and wasm can be switched in one process, and a repeated call is cheap', async () => {
  const cpu = await initBackend('cpu');
  assert.equal(cpu.tfBackend, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  const wasm = await initBackend('wasm');
  assert.equal(wasm.tfBackend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const start = performance.now();
  const again = await initBackend('wasm');
  assert.ok(performance.now() - start < 50, 'a repeated call should not set the backend up again');
  assert.equal(again, wasm);
  // The wasm backend computes after the switches.
  assert.deepEqual(Array.from(tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1)).dataSync()), [2, 3]);
});
