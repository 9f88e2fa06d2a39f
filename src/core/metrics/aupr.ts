import type { Numbers } from './scoreInputs';
import { thresholdCurve, idPositiveCurve, type ThresholdCurve } from './thresholdCurve';

/**
 * Average precision as sklearn's `average_precision_score` computes it: the step-wise sum
 *   AP = sum over distinct thresholds t (descending) of (R(t) - R(previous t)) * P(t),
 * with R(t) = TP(t) / #positives, P(t) = TP(t) / (TP(t) + FP(t)), and R = 0 before the first
 * threshold. Tied scores form one threshold. No interpolation (not the trapezoidal area).
 */
export function averagePrecisionOfCurve(curve: ThresholdCurve): number {
  const { truePositives: tps, falsePositives: fps, positives } = curve;
  let ap = 0;
  let previousTp = 0;
  for (let i = 0; i < tps.length; i++) {
    const gained = tps[i] - previousTp;
    if (gained > 0) ap += (gained / positives) * (tps[i] / (tps[i] + fps[i]));
    previousTp = tps[i];
  }
  return ap;
}

/** AUPR-In: average precision with ID as the positive class and the scores as they are. */
export function auprIn(idScores: Numbers, oodScores: Numbers): number {
  return averagePrecisionOfCurve(idPositiveCurve(idScores, oodScores));
}

/** AUPR-Out: average precision with OOD as the positive class and the scores negated. */
export function auprOut(idScores: Numbers, oodScores: Numbers): number {
  return averagePrecisionOfCurve(thresholdCurve(oodScores, idScores, { positives: 'OOD scores', negatives: 'ID scores' }, true));
}
