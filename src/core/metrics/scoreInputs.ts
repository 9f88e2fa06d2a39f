import { UserInputError } from '../errors';

/** Numbers as the metrics accept them: plain arrays or typed arrays (Float32Array from tfjs). */
export type Numbers = ArrayLike<number>;

/**
 * Checks one array of scores (or confidences) before a metric reads it: it must hold at least one
 * value and no NaN (a NaN has no place in an order, so every threshold metric would be silently
 * wrong). +-Infinity is allowed: it sorts. `what` names the array in the message ("ID scores").
 */
export function checkScores(values: Numbers, what: string): void {
  if (values.length === 0) {
    throw new UserInputError(`${what} are empty: expected at least one value`, what, 'a non-empty array of numbers');
  }
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) {
      throw new UserInputError(`${what} hold NaN at index ${i}: expected numbers (a diverged model or a corrupt checkpoint?)`, what, 'numbers, no NaN');
    }
  }
}

/** A copy in double precision, sorted ascending (typed-array sort is numeric). O(n log n). */
export function sortedAscending(values: Numbers, negate = false): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = negate ? -values[i] : values[i];
  return out.sort();
}
