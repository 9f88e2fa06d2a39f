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
  assert.match(explained.message, /^wrn-40-2 at batch 128 on 32x32x3 images does not fit the WebAssembly backend's memory \(memory access out of bounds\); try --micro-batch 32 \(the batch stays 128, computed in parts\), or the native backend/);
  assert.match(explainMemoryFailure(abort, { ...step, batchSize: 8 })?.message ?? '', /try --micro-batch 2 /);
  assert.match(explainMemoryFailure(abort, { ...step, microBatch: 43 })?.message ?? '', /^wrn-40-2 at batch 128 in micro-batches of 43 on 32x32x3 images .*; try --micro-batch 8 /);
  assert.match(explainMemoryFailure(abort, { ...step, job: 'evaluation' })?.message ?? '', /memory \(Aborted\(\)\. .*\); use the native backend/);
  assert.equal(explainMemoryFailure(trap, { ...step, backend: 'tensorflow' }), undefined, 'only the wasm backend');
  assert.equal(explainMemoryFailure(new Error('memory access out of bounds'), step), undefined, 'a plain Error is no WebAssembly trap');
  assert.equal(explainMemoryFailure(new RuntimeError('unreachable'), step), undefined, 'a trap that is not about memory');
});

// Fills the real WebAssembly heap (about 4 GiB for a few seconds): tfjs would hand out address 0
// when malloc fails and later kernels would write over the module's own data; the guard makes the
// allocation throw, the tensors made so far free normally, and the backend keeps computing.
test('a full WebAssembly heap is a WasmHeapExhaustedError at the allocation, and the backend stays usable', async () => {
  const { initBackend, tf } = await import('../../../src/core/backend');
  const { wasmHeapBytes, WASM_HEAP_MAX_BYTES } = await import('../../../src/core/backend/memoryLimit');
  await initBackend('wasm');
  const held: { dispose(): void }[] = [];
  let thrown: unknown;
  try {
    for (let i = 0; i < 20; i++) held.push(tf.fill([64 * 2 ** 20], 1)); // 256 MiB each
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof Error, `no error after ${held.length} x 256 MiB`);
  assert.equal(thrown.name, 'WasmHeapExhaustedError');
  assert.match(thrown.message, /^the WebAssembly heap is full: 256 MiB more could not be allocated \(heap [\d.]+ GiB, at most 4\.0 GiB\)$/);
  assert.ok(isWasmMemoryFailure(thrown));
  assert.ok(held.length >= 10 && held.length < 16, `${held.length} x 256 MiB fitted`);
  assert.ok((wasmHeapBytes(tf.backend()) ?? 0) <= WASM_HEAP_MAX_BYTES);
  for (const t of held) t.dispose();
  assert.equal(tf.memory().numBytes, 0);
  const x = tf.range(0, 100);
  assert.equal((await tf.sum(tf.add(x, x)).data())[0], 9900);
  const again = tf.fill([64 * 2 ** 20], 0.5); // 256 MiB again, where the freed tensors were
  assert.deepEqual([(await tf.min(again).data())[0], (await tf.max(again).data())[0]], [0.5, 0.5]);
  tf.dispose([x, again]);
  // A 1 GiB block: this heap's malloc has handed out one that ends past the heap (from 3.0 GiB,
  // past 2^32); the guard says no instead. Either it is real memory, or that error.
  try {
    const big = tf.fill([256 * 2 ** 20], 0.25);
    assert.deepEqual([(await tf.min(big).data())[0], (await tf.max(big).data())[0]], [0.25, 0.25]);
    big.dispose();
  } catch (e) {
    assert.equal((e as Error).name, 'WasmHeapExhaustedError', String(e));
  }
});
