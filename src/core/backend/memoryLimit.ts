/**
 * A training or evaluation step that does not fit a backend's memory, said as such.
 *
 * The WebAssembly backend has one linear heap. tfjs-backend-wasm 4.22's modules declare a
 * maximum of 65,536 pages (4 GiB) and emscripten's getHeapMax() in its loader returns
 * 4,294,901,760 bytes (4 GiB less one 64 KiB page): that is the fixed ceiling, whatever the
 * machine has. When it is reached, two things happen:
 *
 * - a tensor allocation made from JavaScript (`backend.move` calls `wasm._malloc`) gets a null
 *   pointer back (or, for a block of a GiB near the top, a pointer whose block ends past the
 *   heap), which tfjs does not check: the tensor then lives at address 0, over the module's own
 *   data, and a later kernel traps (`memory access out of bounds`) or computes garbage.
 *   `guardWasmHeap` makes that allocation throw a WasmHeapExhaustedError instead, before anything
 *   is written, so the step's tensors are freed and the backend stays usable.
 * - an allocation inside the module (XNNPACK's operators) fails with
 *   `XNN status ... Got status 6` (xnn_status_out_of_memory) and the module calls abort():
 *   a WebAssembly RuntimeError `Aborted()`, after which the module is not to be used again.
 *
 * Training and evaluation plan their batches against `memoryBudget` so neither happens
 * (memoryPlan.ts, core/train/microBatches.ts); `explainMemoryFailure` turns either into one line
 * if it still does.
 */
import * as os from 'node:os';
import { UserInputError } from '../errors';

/** emscripten's getHeapMax() in tfjs-backend-wasm 4.22's loader: 65,536 pages less one. */
export const WASM_HEAP_MAX_BYTES = 4294901760;

/**
 * The share of the limit a step is planned to use. The plan counts the engine's tensor bytes;
 * the heap also holds XNNPACK's packed weights and indirection buffers, the training kernels'
 * scratch tensors (not counted by the engine) and the allocator's fragmentation, and this heap's
 * malloc misbehaves near the 4 GiB top (see guardWasmHeap). Measured with wasm at batch 128 on
 * 32x32x3 (npm run bench -- big-nets): the heap ended 0.93-1.04x the planned peak (WRN-40-2 2.1
 * of 2.2 GiB planned, ResNet-18 2.5 of 2.4, DenseNet-BC-100 2.5 of 2.7). 70% of 4 GiB leaves
 * 1.2 GiB for what the plan does not count.
 */
export const PLANNED_SHARE = 0.7;

export interface MemoryBudget {
  /** Bytes a step may plan for. */
  bytes: number;
  /** Where that number comes from, for messages: "70% of the WebAssembly heap's fixed maximum of 4.0 GiB". */
  what: string;
}

/**
 * What a step may use on `backend`: 70% of the WebAssembly heap's fixed maximum on wasm; on the
 * other backends (tensors in the process's own memory) 70% of the memory the system has
 * available now (`freeBytes`, os.freemem() by default), which on a shared machine is what is left.
 */
export function memoryBudget(backend: string, freeBytes = os.freemem()): MemoryBudget {
  const share = `${Math.round(PLANNED_SHARE * 100)}%`;
  if (backend === 'wasm') return { bytes: PLANNED_SHARE * WASM_HEAP_MAX_BYTES, what: `${share} of the WebAssembly heap's fixed maximum of ${gib(WASM_HEAP_MAX_BYTES)}` };
  return { bytes: PLANNED_SHARE * freeBytes, what: `${share} of the ${gib(freeBytes)} of memory the system has available` };
}

export function gib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** A tensor allocation on the WebAssembly heap that the heap could not grow to hold. */
export class WasmHeapExhaustedError extends Error {
  constructor(readonly requestedBytes: number, readonly heapBytes: number) {
    super(`the WebAssembly heap is full: ${gib(requestedBytes)} more could not be allocated (heap ${gib(heapBytes)}, at most ${gib(WASM_HEAP_MAX_BYTES)})`);
    this.name = 'WasmHeapExhaustedError';
  }
}

interface WasmModuleLike {
  _malloc(bytes: number): number;
  HEAPU8: { length: number };
  /** The module's exports; `_malloc` is a stub that replaces itself with `asm.malloc` at its first call. */
  asm?: { malloc?(bytes: number): number };
}

const guarded = new WeakSet<object>();

/**
 * Makes the wasm backend's tensor allocations throw WasmHeapExhaustedError where tfjs would use
 * malloc's null pointer. `backend` is tf.backend() on wasm; calling it twice changes nothing.
 */
export function guardWasmHeap(backend: unknown): void {
  const wasm = (backend as { wasm?: WasmModuleLike }).wasm;
  if (!wasm || typeof wasm._malloc !== 'function' || guarded.has(wasm)) return;
  // The export itself: emscripten's `_malloc` stub would put the export back in its own place
  // at its first call, dropping this guard.
  const malloc = wasm.asm?.malloc ?? wasm._malloc.bind(wasm);
  wasm._malloc = (bytes: number) => {
    const pointer = malloc(bytes) >>> 0;
    // Near the 4 GiB top, this build's malloc has also been seen to return a block that ends past
    // the heap (a 1 GiB block at 3.0 GiB, the end wrapping past 2^32): no block either.
    if (bytes > 0 && (pointer === 0 || pointer + bytes > wasm.HEAPU8.length)) throw new WasmHeapExhaustedError(bytes, wasm.HEAPU8.length);
    return pointer;
  };
  guarded.add(wasm);
}

/** The WebAssembly heap's current size in bytes (it only grows), or undefined off wasm. */
export function wasmHeapBytes(backend: unknown): number | undefined {
  return (backend as { wasm?: WasmModuleLike }).wasm?.HEAPU8?.length;
}

export interface StepShape {
  backend: string;
  arch: string;
  batchSize: number;
  /** [height, width, channels] of the images. */
  imageShape: readonly number[];
  /** The micro-batch a training step was computed in, when it was split (microBatches.ts). */
  microBatch?: number;
  /** What ran out: a training step (the default) or an evaluation, whose remedy is another backend. */
  job?: 'training' | 'evaluation';
}

/** Whether `error` is the WebAssembly heap giving out: our guard's error, or the runtime's abort / out-of-bounds trap. */
export function isWasmMemoryFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'WasmHeapExhaustedError') return true;
  // WebAssembly.RuntimeError, told by name (the Node layer's types have no WebAssembly values).
  const runtimeError = error.name === 'RuntimeError' || error.constructor?.name === 'RuntimeError';
  return runtimeError && /Aborted\(|memory access out of bounds|out of memory/i.test(error.message);
}

/** The UserInputError to throw instead of `error`, or undefined when `error` is something else. */
export function explainMemoryFailure(error: unknown, step: StepShape): UserInputError | undefined {
  if (step.backend !== 'wasm' || !isWasmMemoryFailure(error)) return undefined;
  const inUse = Math.min(step.batchSize, step.microBatch ?? step.batchSize);
  const smaller = Math.max(1, 2 ** Math.floor(Math.log2(Math.max(1, inUse / 4))));
  const shape = step.imageShape.join('x');
  const native = 'the native backend (--backend tensorflow, which npm run setup:native installs where pip has a TensorFlow wheel)';
  const remedy = step.job === 'evaluation' ? `use ${native}` : `try --micro-batch ${smaller} (the batch stays ${step.batchSize}, computed in parts), or ${native}`;
  const split = inUse < step.batchSize ? ` in micro-batches of ${inUse}` : '';
  return new UserInputError(
    `${step.arch} at batch ${step.batchSize}${split} on ${shape} images does not fit the WebAssembly backend's memory (${(error as Error).message.split('\n')[0]}); ${remedy}`,
    `--arch ${step.arch} --batch-size ${step.batchSize} --backend wasm`,
    'a batch that fits the backend',
  );
}
