/**
 * How much memory a batched computation takes, measured before it runs for real, and the
 * largest batch that fits a budget (memoryLimit.ts).
 *
 * The bytes are measured, not added up from the layers: tfjs's gradient tape keeps every
 * kernel's saved inputs and outputs (a batch norm alone keeps six or so tensors the size of its
 * input), and its backward pass holds gradients until the pass ends, so the layers' output sizes
 * say little. Measured with wasm on 32x32x3, per training image: ResNet-18 53 MiB, WRN-40-2
 * 62 MiB, DenseNet-BC-100 341 MiB, where the sums of their layers' outputs are 8.3, 9.8 and
 * 50.5 MiB: six to seven times less.
 *
 * A computation's peak is linear in its batch (every tensor that depends on the batch has it as
 * its first dimension), so two small runs under tf.profile, at 1 and 2 images, give the peak at
 * any batch: fixed + n * perExample. tf.profile's peak counts the engine's tensor bytes, those
 * that existed before included (the weights), on whatever backend is current.
 */
import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { gib, type MemoryBudget } from './memoryLimit';

export interface PeakBytes {
  /** The peak's part that does not grow with the batch (weights, gradients, tensors already alive). */
  fixedBytes: number;
  /** What each image adds to the peak. */
  perExampleBytes: number;
}

/** Peak tensor bytes of `run(n)` at n = 1 and n = 2, as a line in n. `run` must leave no tensor behind. */
export async function measurePeakBytes(run: (n: number) => void | Promise<void>): Promise<PeakBytes> {
  const peaks: number[] = [];
  for (const n of [1, 2]) {
    const before = tf.memory().numTensors;
    const info = await tf.profile(async () => {
      await run(n);
    });
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) throw new Error(`the memory probe at ${n} image(s) left ${leaked} tensor(s) behind`);
    peaks.push(info.peakBytes);
  }
  const perExampleBytes = Math.max(0, peaks[1] - peaks[0]);
  return { fixedBytes: Math.max(0, peaks[0] - perExampleBytes), perExampleBytes };
}

/** Peak bytes at a batch of `n`, with `extraBytes` that the probe did not see. */
export function peakAt(peak: PeakBytes, n: number, extraBytes = 0): number {
  return peak.fixedBytes + n * peak.perExampleBytes + extraBytes;
}

/** The largest n <= `most` whose peak (plus `extraBytes`) fits `budgetBytes`; 0 when not even one image fits. */
export function largestFitting(peak: PeakBytes, budgetBytes: number, most: number, extraBytes = 0): number {
  const room = budgetBytes - peak.fixedBytes - extraBytes;
  if (room < peak.perExampleBytes) return 0;
  if (peak.perExampleBytes <= 0) return most;
  return Math.min(most, Math.floor(room / peak.perExampleBytes));
}

export interface FittingBatch {
  /** The batch to use: the one asked for, or the largest that fits when that one does not. */
  batch: number;
  peak: PeakBytes;
  /** One line for the log when the batch was made smaller, else undefined. */
  note?: string;
}

/**
 * The largest batch, up to `requested`, at which `run` (a batched computation that keeps nothing,
 * e.g. one scorer's pass) fits `budget`, measured with measurePeakBytes. A UserInputError when not
 * even one image fits. `what` names the computation in messages ("odin on resnet18").
 */
export async function fittingBatch(what: string, run: (n: number) => void | Promise<void>, requested: number, budget: MemoryBudget, backend: string): Promise<FittingBatch> {
  const peak = await measurePeakBytes(run);
  const batch = largestFitting(peak, budget.bytes, requested);
  const facts = `${gib(peak.perExampleBytes)} an image, ${gib(peak.fixedBytes)} besides; the ${backend} backend's budget is ${gib(budget.bytes)} (${budget.what})`;
  if (batch === 0) {
    throw new UserInputError(`${what} does not fit even one image at a time (${facts}); use the native backend (--backend tensorflow)`, what, 'a computation that fits the backend');
  }
  return { batch, peak, ...(batch < requested ? { note: `memory: ${what} at batch ${requested} needs about ${gib(peakAt(peak, requested))} (${facts}): ${batch} images at a time` } : {}) };
}
