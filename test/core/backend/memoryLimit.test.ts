// A step too big for the WebAssembly heap becomes a one-line UserInputError naming the network,
// batch, image shape and backend; other errors and other backends are left as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserInputError } from '../../../src/core/errors';
import { explainMemoryFailure, isWasmMemoryFailure } from '../../../src/core/backend/memoryLimit';

/** A real WebAssembly RuntimeError: a tiny module that loads past the end of its one 64 KiB page. */
async function outOfBoundsError(): Promise<Error> {
  const bytes = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
    0x03, 0x02, 0x01, 0x00, // one function of that type
    0x05, 0x03, 0x01, 0x00, 0x01, // memory: one page
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
    0x0a, 0x0b, 0x01, 0x09, 0x00, 0x41, 0x80, 0x80, 0x08, 0x28, 0x02, 0x00, 0x0b, // i32.load at 131072
  ]);
  const wasm = (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array): Promise<{ instance: { exports: { f(): number } } }> } }).WebAssembly;
  const { instance } = await wasm.instantiate(bytes);
  try {
    instance.exports.f();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the load past the end did not trap');
}

test('a WebAssembly out-of-bounds trap or abort on the wasm backend is explained; anything else is not', async () => {
  const trap = await outOfBoundsError();
  assert.match(trap.message, /memory access out of bounds/);
  assert.ok(isWasmMemoryFailure(trap));
  const RuntimeError = (globalThis as unknown as { WebAssembly: { RuntimeError: new (message: string) => Error } }).WebAssembly.RuntimeError;
  const abort = new RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
  assert.ok(isWasmMemoryFailure(abort));
  const step = { backend: 'wasm', arch: 'wrn-40-2', batchSize: 128, imageShape: [32, 32, 3] };
  const explained = explainMemoryFailure(trap, step);
  assert.ok(explained instanceof UserInputError);
  assert.equal(explained.message.split('\n').length, 1, 'one line');
  assert.match(explained.message, /^wrn-40-2 at batch 128 on 32x32x3 images does not fit the WebAssembly backend's memory \(memory access out of bounds\); try --batch-size 32, or the native backend/);
  assert.match(explainMemoryFailure(abort, { ...step, batchSize: 8 })?.message ?? '', /try --batch-size 2,/);
  assert.equal(explainMemoryFailure(trap, { ...step, backend: 'tensorflow' }), undefined, 'only the wasm backend');
  assert.equal(explainMemoryFailure(new Error('memory access out of bounds'), step), undefined, 'a plain Error is no WebAssembly trap');
  assert.equal(explainMemoryFailure(new RuntimeError('unreachable'), step), undefined, 'a trap that is not about memory');
});
