import { UserInputError } from '../errors';
import type { Numbers } from './scoreInputs';

/** The paper's M (Table 4) and Guo et al.'s default. */
export const DEFAULT_ECE_BINS = 15;

/** One bar of a reliability diagram: bin (lower, upper]. */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean confidence in the bin; null for an empty bin (nothing to draw). */
  readonly meanConfidence: number | null;
  /** Fraction correct in the bin; null for an empty bin. */
  readonly accuracy: number | null;
}

/**
 * The bin of a confidence among `bins` equal-width bins on (0, 1], bin m = (m/M, (m+1)/M] as in
 * Guo et al. 2017 (a confidence on a boundary goes to the lower bin). Edges are m / M in double
 * precision. A confidence of exactly 0 (never a softmax output) goes to the first bin.
 */
export function calibrationBin(confidence: number, bins: number): number {
  let m = Math.ceil(confidence * bins) - 1;
  if (m < 0) m = 0;
  if (m > bins - 1) m = bins - 1;
  // Repair the rare case where confidence * bins rounded across an edge.
  if (m > 0 && confidence <= m / bins) m--;
  else if (m < bins - 1 && confidence > (m + 1) / bins) m++;
  return m;
}

function checkBinsInput(confidences: Numbers, correct: ArrayLike<boolean | number>, bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new UserInputError(`number of bins ${bins} is invalid: expected an integer >= 1`, String(bins), 'an integer >= 1');
  }
  if (confidences.length === 0) throw new UserInputError('confidences are empty: expected at least one', 'confidences', 'a non-empty array');
  if (confidences.length !== correct.length) {
    throw new UserInputError(
      `${confidences.length} confidences but ${correct.length} correctness flags: expected one each`,
      String(correct.length),
      String(confidences.length),
    );
  }
  for (let i = 0; i < confidences.length; i++) {
    const c = confidences[i];
    if (!(c >= 0 && c <= 1)) {
      throw new UserInputError(`confidence ${c} at index ${i} is outside [0, 1]: expected probabilities`, String(c), '[0, 1]');
    }
  }
}

/** Per bin: how many samples, their mean confidence and their accuracy (the reliability diagram). */
export function reliabilityBins(
  confidences: Numbers,
  correct: ArrayLike<boolean | number>,
  bins: number = DEFAULT_ECE_BINS,
): ReliabilityBin[] {
  checkBinsInput(confidences, correct, bins);
  const counts = new Float64Array(bins);
  const confidenceSums = new Float64Array(bins);
  const correctSums = new Float64Array(bins);
  for (let i = 0; i < confidences.length; i++) {
    const m = calibrationBin(confidences[i], bins);
    counts[m]++;
    confidenceSums[m] += confidences[i];
    correctSums[m] += correct[i] ? 1 : 0;
  }
  const out: ReliabilityBin[] = [];
  for (let m = 0; m < bins; m++) {
    const count = counts[m];
    out.push({
      lower: m / bins,
      upper: (m + 1) / bins,
      count,
      meanConfidence: count > 0 ? confidenceSums[m] / count : null,
      accuracy: count > 0 ? correctSums[m] / count : null,
    });
  }
  return out;
}

/**
 * Expected calibration error (Naeini et al. 2015, as Guo et al. 2017 compute it):
 *   ECE = sum over bins of (count / n) * |accuracy - mean confidence|, in [0, 1].
 * `correct` takes booleans or 0/1.
 */
export function ece(confidences: Numbers, correct: ArrayLike<boolean | number>, bins: number = DEFAULT_ECE_BINS): number {
  const table = reliabilityBins(confidences, correct, bins);
  let total = 0;
  for (const bin of table) {
    if (bin.count > 0 && bin.meanConfidence !== null && bin.accuracy !== null) {
      total += (bin.count / confidences.length) * Math.abs(bin.accuracy - bin.meanConfidence);
    }
  }
  return total;
}
