import { auprOut, averagePrecisionOfCurve } from './aupr';
import { aurocOfCurve } from './auroc';
import { fprAtTprOfCurve, type FprRule } from './fpr95';
import type { Numbers } from './scoreInputs';
import { idPositiveCurve } from './thresholdCurve';

/** The four OOD-detection numbers of one scorer on one ID/OOD pair, each in [0, 1]. */
export interface DetectionMetrics {
  readonly fpr95: number;
  readonly auroc: number;
  readonly auprIn: number;
  readonly auprOut: number;
}

/** FPR95, AUROC, AUPR-In and AUPR-Out, with the ID-positive curve sorted once for the first three. */
export function detectionMetrics(idScores: Numbers, oodScores: Numbers, fprRule: FprRule = 'atLeast'): DetectionMetrics {
  const curve = idPositiveCurve(idScores, oodScores);
  return {
    fpr95: fprAtTprOfCurve(curve, 0.95, fprRule),
    auroc: aurocOfCurve(curve),
    auprIn: averagePrecisionOfCurve(curve),
    auprOut: auprOut(idScores, oodScores),
  };
}
