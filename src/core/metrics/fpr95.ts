import { UserInputError } from '../errors';
import type { Numbers } from './scoreInputs';
import { idPositiveCurve, type ThresholdCurve } from './thresholdCurve';

/**
 * How the operating point is picked among the curve's thresholds (each a distinct score; a sample
 * is called ID when its score is >= the threshold, so tied scores are all kept or all rejected):
 *
 * - 'atLeast' (default): the highest threshold whose TPR = #{ID >= t} / #ID is >= the level; the
 *   result is #{OOD >= t} / #OOD. This is the smallest FPR over all ROC points with TPR >= 0.95,
 *   the same as OpenOOD's `fpr[argmax(tpr >= 0.95)]` on sklearn's full ROC curve.
 * - 'nearest': the paper's code (hongxin001/logitnorm_ood `fpr_and_fdr_at_recall`, from Outlier
 *   Exposure): the threshold whose TPR is nearest the level, |tp/#ID - level| in double precision,
 *   looked at from the lowest threshold up to the first one that keeps all ID (first minimum wins,
 *   so equal distances go to the larger TPR). It may sit just below 95% TPR.
 *
 * The two differ by at most one step of the ROC curve; with thousands of ID samples they agree to
 * well under a tenth of a percent.
 */
export type FprRule = 'atLeast' | 'nearest';

/** The false-positive rate of OOD at the threshold that keeps `tprLevel` of ID; see FprRule. */
export function fprAtTpr(idScores: Numbers, oodScores: Numbers, tprLevel: number, rule: FprRule = 'atLeast'): number {
  if (!(tprLevel > 0 && tprLevel <= 1)) {
    throw new UserInputError(`TPR level ${tprLevel} is out of range: expected a number in (0, 1]`, String(tprLevel), '(0, 1]');
  }
  return fprAtTprOfCurve(idPositiveCurve(idScores, oodScores), tprLevel, rule);
}

/** FPR95: the fraction of OOD scores >= the threshold that keeps 95% of ID scores. */
export function fpr95(idScores: Numbers, oodScores: Numbers, rule: FprRule = 'atLeast'): number {
  return fprAtTpr(idScores, oodScores, 0.95, rule);
}

/** The same on a curve built once (ID positive); used where several metrics share one sort. */
export function fprAtTprOfCurve(curve: ThresholdCurve, tprLevel: number, rule: FprRule): number {
  const { truePositives: tps, falsePositives: fps, positives, negatives } = curve;
  const points = tps.length;
  if (rule === 'atLeast') {
    // tps rises with the index (lower thresholds), so the first index that reaches the level is
    // the highest such threshold, with the fewest false positives. The last index has tp = #ID.
    for (let i = 0; i < points; i++) {
      if (tps[i] / positives >= tprLevel) return fps[i] / negatives;
    }
    return fps[points - 1] / negatives;
  }
  // 'nearest': from the first index that keeps every ID sample back to the highest threshold.
  let firstFull = 0;
  while (tps[firstFull] < positives) firstFull++;
  let best = firstFull;
  let bestDistance = Math.abs(tps[firstFull] / positives - tprLevel);
  for (let i = firstFull - 1; i >= 0; i--) {
    const distance = Math.abs(tps[i] / positives - tprLevel);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  }
  return fps[best] / negatives;
}
