/**
 * A training or evaluation step that does not fit a backend's memory, said as such. The
 * WebAssembly backend has one linear heap (at most 4 GiB, less in practice): a big network at a
 * big batch makes XNNPACK fail to allocate (`XNN status ... Got status 6`, then `Aborted()`) or
 * the heap overflow (`memory access out of bounds`). Those surface as a WebAssembly RuntimeError
 * with no word of what to do; this turns them into a UserInputError naming the network, the
 * batch, the image shape and the backend, and what would fit.
 */
import { UserInputError } from '../errors';

export interface StepShape {
  backend: string;
  arch: string;
  batchSize: number;
  /** [height, width, channels] of the images. */
  imageShape: readonly number[];
}

/** Whether `error` is the WebAssembly runtime giving up on memory (abort or out-of-bounds access). */
export function isWasmMemoryFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // WebAssembly.RuntimeError, told by name (the Node layer's types have no WebAssembly values).
  const runtimeError = error.name === 'RuntimeError' || error.constructor?.name === 'RuntimeError';
  return runtimeError && /Aborted\(|memory access out of bounds|out of memory/i.test(error.message);
}

/** The UserInputError to throw instead of `error`, or undefined when `error` is something else. */
export function explainMemoryFailure(error: unknown, step: StepShape): UserInputError | undefined {
  if (step.backend !== 'wasm' || !isWasmMemoryFailure(error)) return undefined;
  const smaller = Math.max(1, 2 ** Math.floor(Math.log2(Math.max(1, step.batchSize / 4))));
  const shape = step.imageShape.join('x');
  return new UserInputError(
    `${step.arch} at batch ${step.batchSize} on ${shape} images does not fit the WebAssembly backend's memory (${(error as Error).message.split('\n')[0]}); ` +
      `try --batch-size ${smaller}, or the native backend (--backend tensorflow, which npm run setup:native installs where pip has a TensorFlow wheel)`,
    `--arch ${step.arch} --batch-size ${step.batchSize} --backend wasm`,
    'a batch that fits the backend',
  );
}
