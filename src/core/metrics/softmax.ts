import { UserInputError } from '../errors';
import type { Numbers } from './scoreInputs';

/**
 * Row-wise operations on logits stored row-major: `logits[i * numClasses + j]` is class j of
 * sample i (what `tensor.dataSync()` of an [N, k] tensor gives). Computed in double precision.
 */

/** The number of rows, after checking that the buffer holds whole rows of `numClasses`. */
export function rowCount(logits: Numbers, numClasses: number, what = 'logits'): number {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new UserInputError(`number of classes ${numClasses} is invalid: expected an integer >= 1`, String(numClasses), 'an integer >= 1');
  }
  if (logits.length % numClasses !== 0) {
    throw new UserInputError(
      `${what} hold ${logits.length} values, not a whole number of rows of ${numClasses} classes`,
      String(logits.length),
      `a multiple of ${numClasses}`,
    );
  }
  return logits.length / numClasses;
}

export function checkTemperature(temperature: number): void {
  if (!(temperature > 0 && Number.isFinite(temperature))) {
    throw new UserInputError(`temperature ${temperature} is invalid: expected a finite number > 0`, String(temperature), 'a finite number > 0');
  }
}

/** log sum_j exp(x_j) of one row, stable (shifted by the row's maximum). */
export function logSumExpRow(logits: Numbers, offset: number, numClasses: number, scale = 1): number {
  let max = -Infinity;
  for (let j = 0; j < numClasses; j++) max = Math.max(max, logits[offset + j] * scale);
  if (max === -Infinity || max === Infinity) return max;
  let sum = 0;
  for (let j = 0; j < numClasses; j++) sum += Math.exp(logits[offset + j] * scale - max);
  return max + Math.log(sum);
}

/** softmax(f / T) of every row: the calibrated probabilities after temperature scaling. */
export function softmaxWithTemperature(logits: Numbers, numClasses: number, temperature = 1): Float32Array {
  checkTemperature(temperature);
  const rows = rowCount(logits, numClasses);
  const out = new Float32Array(logits.length);
  for (let i = 0; i < rows; i++) {
    const offset = i * numClasses;
    const lse = logSumExpRow(logits, offset, numClasses, 1 / temperature);
    for (let j = 0; j < numClasses; j++) out[offset + j] = Math.exp(logits[offset + j] / temperature - lse);
  }
  return out;
}

/** max_j softmax(f / T)_j of every row: the confidence that ECE and reliability diagrams bin. */
export function maxSoftmax(logits: Numbers, numClasses: number, temperature = 1): Float32Array {
  checkTemperature(temperature);
  const rows = rowCount(logits, numClasses);
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const offset = i * numClasses;
    let max = -Infinity;
    for (let j = 0; j < numClasses; j++) max = Math.max(max, logits[offset + j]);
    out[i] = Math.exp(max / temperature - logSumExpRow(logits, offset, numClasses, 1 / temperature));
  }
  return out;
}

/** The predicted class of every row (the first maximum on ties, as numpy and tfjs argmax). */
export function argmaxRows(logits: Numbers, numClasses: number): Int32Array {
  const rows = rowCount(logits, numClasses);
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const offset = i * numClasses;
    let best = 0;
    for (let j = 1; j < numClasses; j++) if (logits[offset + j] > logits[offset + best]) best = j;
    out[i] = best;
  }
  return out;
}
