import type { Numbers } from './scoreInputs';
import { idPositiveCurve, type ThresholdCurve } from './thresholdCurve';

/**
 * Area under the ROC curve, ID positive: the probability that a random ID sample scores above a
 * random OOD sample, ties counting one half. It equals the Mann-Whitney U statistic divided by
 * #ID * #OOD, and sklearn's `roc_auc_score` (trapezoids between distinct thresholds).
 */
export function auroc(idScores: Numbers, oodScores: Numbers): number {
  return aurocOfCurve(idPositiveCurve(idScores, oodScores));
}

export function aurocOfCurve(curve: ThresholdCurve): number {
  const { truePositives: tps, falsePositives: fps } = curve;
  // Sum of trapezoids in count units: each step adds dFP * (tp before + tp after) / 2, so pairs
  // tied at one threshold get one half. Counts are integers, the sum is exact below 2^53.
  let area = 0;
  let previousTp = 0;
  let previousFp = 0;
  for (let i = 0; i < tps.length; i++) {
    area += (fps[i] - previousFp) * (tps[i] + previousTp);
    previousTp = tps[i];
    previousFp = fps[i];
  }
  return area / 2 / (curve.positives * curve.negatives);
}
