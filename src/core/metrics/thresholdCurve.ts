import { checkScores, sortedAscending, type Numbers } from './scoreInputs';

/**
 * The counts behind ROC and precision-recall curves, one entry per distinct score, from the highest
 * score down (sklearn's `_binary_clf_curve`): at threshold t a sample is called positive when its
 * score is >= t, so all samples tied at one score change side together (ties are one threshold).
 */
export interface ThresholdCurve {
  /** The distinct scores, descending. */
  readonly thresholds: Float64Array;
  /** truePositives[i] = number of positives with score >= thresholds[i]. */
  readonly truePositives: Float64Array;
  /** falsePositives[i] = number of negatives with score >= thresholds[i]. */
  readonly falsePositives: Float64Array;
  readonly positives: number;
  readonly negatives: number;
}

/**
 * Builds the curve by sorting each class once and merging the two descending runs: O(n log n).
 * With `negate`, every score is negated first (AUPR-Out takes OOD as positive, lower = more OOD).
 */
export function thresholdCurve(
  positiveScores: Numbers,
  negativeScores: Numbers,
  names: { positives: string; negatives: string } = { positives: 'positive scores', negatives: 'negative scores' },
  negate = false,
): ThresholdCurve {
  checkScores(positiveScores, names.positives);
  checkScores(negativeScores, names.negatives);
  const pos = sortedAscending(positiveScores, negate);
  const neg = sortedAscending(negativeScores, negate);
  const maxPoints = pos.length + neg.length;
  const thresholds = new Float64Array(maxPoints);
  const tps = new Float64Array(maxPoints);
  const fps = new Float64Array(maxPoints);
  // Walk both arrays from their ends (largest first).
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let points = 0;
  while (i >= 0 || j >= 0) {
    const t = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    // `===` treats -0 and +0 as one score, as numpy's diff does.
    while (i >= 0 && pos[i] === t) { tp++; i--; }
    while (j >= 0 && neg[j] === t) { fp++; j--; }
    thresholds[points] = t;
    tps[points] = tp;
    fps[points] = fp;
    points++;
  }
  return {
    thresholds: thresholds.slice(0, points),
    truePositives: tps.slice(0, points),
    falsePositives: fps.slice(0, points),
    positives: pos.length,
    negatives: neg.length,
  };
}

/** The curve with in-distribution as the positive class (higher score = more ID). */
export function idPositiveCurve(idScores: Numbers, oodScores: Numbers): ThresholdCurve {
  return thresholdCurve(idScores, oodScores, { positives: 'ID scores', negatives: 'OOD scores' });
}
