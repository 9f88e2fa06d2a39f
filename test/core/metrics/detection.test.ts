import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fpr95, fprAtTpr, auroc, auprIn, auprOut, detectionMetrics } from '../../../src/core/metrics';
import { UserInputError } from '../../../src/core/errors';
import { seededRandom } from './random';

const close = (actual: number, expected: number, tol = 1e-12, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected}, got ${actual}`);

// ---------------------------------------------------------------------------------------------
// A small case with ties, worked out by hand.
//   ID  = [0.9, 0.8, 0.8, 0.5]   OOD = [0.8, 0.6, 0.5, 0.1]
// Distinct thresholds, descending; a sample is called ID when score >= t:
//   t    #ID>=t  #OOD>=t   TPR    FPR
//   0.9    1       0       0.25   0
//   0.8    3       1       0.75   0.25
//   0.6    3       2       0.75   0.5
//   0.5    4       3       1      0.75
//   0.1    4       4       1      1
// FPR95: the first (highest) threshold with TPR >= 0.95 is 0.5 -> FPR = 3/4.
// AUROC by pairs (ID beats OOD = 1, tie = 1/2):
//   0.9: beats all 4 -> 4;  0.8: ties 0.8, beats 0.6 0.5 0.1 -> 3.5 (twice);
//   0.5: loses to 0.8 0.6, ties 0.5, beats 0.1 -> 1.5.   (4 + 3.5 + 3.5 + 1.5) / 16 = 12.5/16.
// AUPR-In = sum dRecall * precision: t=0.9: 0.25 * 1/1; t=0.8: 0.5 * 3/4; t=0.6: 0; t=0.5: 0.25 * 4/7
//   = 1/4 + 3/8 + 1/7 = 43/56.
// AUPR-Out (OOD positive, scores negated = thresholds ascending, called OOD when score <= t):
//   t=0.1: OOD 1, ID 0 -> 0.25 * 1;  t=0.5: OOD 2, ID 1 -> 0.25 * 2/3;  t=0.6: OOD 3, ID 1 -> 0.25 * 3/4;
//   t=0.8: OOD 4, ID 3 -> 0.25 * 4/7.   = 1/4 + 1/6 + 3/16 + 1/7 = (84 + 56 + 63 + 48) / 336 = 251/336.
// ---------------------------------------------------------------------------------------------
const handId = [0.9, 0.8, 0.8, 0.5];
const handOod = [0.8, 0.6, 0.5, 0.1];

test('hand case with ties: FPR95, AUROC, AUPR-In, AUPR-Out', () => {
  close(fpr95(handId, handOod), 3 / 4, 0, 'FPR95');
  close(fpr95(handId, handOod, 'nearest'), 3 / 4, 0, 'FPR95 nearest');
  close(auroc(handId, handOod), 12.5 / 16, 1e-15, 'AUROC');
  close(auprIn(handId, handOod), 43 / 56, 1e-15, 'AUPR-In');
  close(auprOut(handId, handOod), 251 / 336, 1e-15, 'AUPR-Out');
  const all = detectionMetrics(Float32Array.from(handId), Float32Array.from(handOod));
  // Float32 copies of 0.8 etc. are still tied with each other, so the numbers do not move.
  close(all.fpr95, 3 / 4, 0);
  close(all.auroc, 12.5 / 16, 1e-15);
  close(all.auprIn, 43 / 56, 1e-15);
  close(all.auprOut, 251 / 336, 1e-15);
});

// The two FPR rules apart, by hand. ID = 10, 9, ..., 1; OOD = [1, 0].
//   TPR reaches 0.9 at t = 2 (no OOD >= 2) and 1.0 at t = 1 (OOD 1 >= 1, so FPR 1/2).
//   'atLeast' needs TPR >= 0.95 -> t = 1 -> FPR 0.5.
//   'nearest' (the paper's code): |0.9 - 0.95| = 0.04999999999999993 < |1 - 0.95| = 0.050000000000000044
//   in double precision, so it takes TPR 0.9 at t = 2 (the lowest threshold with that TPR) -> FPR 0.
test('FPR95 rules: at least 95% TPR vs the paper code\'s nearest TPR', () => {
  const id = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const ood = [1, 0];
  assert.equal(fpr95(id, ood), 0.5);
  assert.equal(fpr95(id, ood, 'nearest'), 0);
});

test('all scores equal: one threshold, everything is called ID', () => {
  // One threshold t = 0.3: TPR = FPR = 1; the ROC curve is the diagonal; precision = #ID / n.
  const id = [0.3, 0.3, 0.3];
  const ood = [0.3, 0.3];
  assert.equal(fpr95(id, ood), 1);
  assert.equal(fpr95(id, ood, 'nearest'), 1);
  assert.equal(auroc(id, ood), 0.5);
  close(auprIn(id, ood), 3 / 5);
  close(auprOut(id, ood), 2 / 5);
});

test('perfect and reversed separation', () => {
  assert.equal(fpr95([3, 4, 5], [0, 1, 2]), 0);
  assert.equal(auroc([3, 4, 5], [0, 1, 2]), 1);
  assert.equal(auprIn([3, 4, 5], [0, 1, 2]), 1);
  assert.equal(auprOut([3, 4, 5], [0, 1, 2]), 1);
  assert.equal(fpr95([0, 1, 2], [3, 4, 5]), 1);
  assert.equal(auroc([0, 1, 2], [3, 4, 5]), 0);
});

test('empty input, NaN and bad TPR levels are clear user errors', () => {
  assert.throws(() => fpr95([], [1]), (e: unknown) => e instanceof UserInputError && /ID scores are empty/.test(e.message));
  assert.throws(() => auroc([1], []), (e: unknown) => e instanceof UserInputError && /OOD scores are empty/.test(e.message));
  assert.throws(() => auprOut([1], []), UserInputError);
  assert.throws(() => auprIn([1, NaN], [0]), (e: unknown) => e instanceof UserInputError && /NaN at index 1/.test(e.message));
  assert.throws(() => fprAtTpr([1], [0], 1.5), UserInputError);
  // Infinity sorts and is allowed.
  assert.equal(auroc([Infinity], [-Infinity]), 1);
});

// --- Brute force on random cases, many with ties --------------------------------------------

/** AUROC by counting every (ID, OOD) pair. */
function bruteAuroc(id: number[], ood: number[]): number {
  let wins = 0;
  for (const a of id) for (const b of ood) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / (id.length * ood.length);
}

/** FPR at >= 95% TPR by trying every threshold (every score, and +Infinity). */
function bruteFpr95(id: number[], ood: number[]): number {
  let best = Infinity;
  for (const t of [...id, ...ood, Infinity]) {
    const tpr = id.filter((s) => s >= t).length / id.length;
    if (tpr >= 0.95) best = Math.min(best, ood.filter((s) => s >= t).length / ood.length);
  }
  return best;
}

/**
 * The paper's code's rule, ported step by step from its numpy description (stable descending sort,
 * last index of each distinct score, cumulative true positives, reverse up to full recall,
 * argmin |recall - 0.95|, first minimum wins).
 */
function paperCodeFpr95(id: number[], ood: number[]): number {
  const samples = [...id.map((s) => ({ s, positive: 1 })), ...ood.map((s) => ({ s, positive: 0 }))];
  // np.argsort(kind="mergesort")[::-1]: ascending stable sort, then reversed.
  const order = samples.map((x, i) => ({ ...x, i })).sort((a, b) => a.s - b.s || a.i - b.i).reverse();
  const thresholdIdxs: number[] = [];
  for (let i = 0; i < order.length - 1; i++) if (order[i + 1].s - order[i].s !== 0) thresholdIdxs.push(i);
  thresholdIdxs.push(order.length - 1);
  const cumulative: number[] = [];
  let running = 0;
  for (const x of order) cumulative.push((running += x.positive));
  const tps = thresholdIdxs.map((k) => cumulative[k]);
  const fps = thresholdIdxs.map((k, n) => 1 + k - tps[n]);
  const last = tps[tps.length - 1];
  const recall = tps.map((t) => t / last);
  const lastInd = tps.findIndex((t) => t >= last); // searchsorted(tps[-1]) on a sorted array
  const recallR: number[] = [];
  const fpsR: number[] = [];
  for (let k = lastInd; k >= 0; k--) { recallR.push(recall[k]); fpsR.push(fps[k]); }
  recallR.push(1);
  fpsR.push(0);
  let cutoff = 0;
  for (let k = 1; k < recallR.length; k++) if (Math.abs(recallR[k] - 0.95) < Math.abs(recallR[cutoff] - 0.95)) cutoff = k;
  return fpsR[cutoff] / ood.length;
}

/** Average precision by its definition: the mean over positives of the precision at their score. */
function bruteAveragePrecision(positives: number[], negatives: number[]): number {
  let sum = 0;
  for (const t of positives) {
    const tp = positives.filter((s) => s >= t).length;
    const fp = negatives.filter((s) => s >= t).length;
    sum += tp / (tp + fp);
  }
  return sum / positives.length;
}

test('brute force on 300 random cases (integer scores: many ties; and continuous scores)', () => {
  const random = seededRandom(20220613);
  for (let trial = 0; trial < 300; trial++) {
    const nId = 1 + Math.floor(random() * 60);
    const nOod = 1 + Math.floor(random() * 60);
    const levels = trial % 3 === 0 ? 0 : 2 + Math.floor(random() * 8); // 0 = continuous
    const draw = (shift: number) => (levels === 0 ? random() + shift : Math.floor((random() + shift) * levels) / levels);
    const id = Array.from({ length: nId }, () => draw(0.3));
    const ood = Array.from({ length: nOod }, () => draw(0));
    const label = `trial ${trial} (${nId} ID, ${nOod} OOD, ${levels} levels)`;
    close(auroc(id, ood), bruteAuroc(id, ood), 1e-12, `AUROC ${label}`);
    assert.equal(fpr95(id, ood), bruteFpr95(id, ood), `FPR95 ${label}`);
    assert.equal(fpr95(id, ood, 'nearest'), paperCodeFpr95(id, ood), `FPR95 nearest ${label}`);
    close(auprIn(id, ood), bruteAveragePrecision(id, ood), 1e-12, `AUPR-In ${label}`);
    close(auprOut(id, ood), bruteAveragePrecision(ood.map((s) => -s), id.map((s) => -s)), 1e-12, `AUPR-Out ${label}`);
    const all = detectionMetrics(id, ood);
    assert.deepEqual(all, { fpr95: fpr95(id, ood), auroc: auroc(id, ood), auprIn: auprIn(id, ood), auprOut: auprOut(id, ood) });
  }
});

test('large input runs in O(n log n): 200k scores well under a second', () => {
  const random = seededRandom(7);
  const id = Float32Array.from({ length: 100_000 }, () => random() + 0.2);
  const ood = Float32Array.from({ length: 100_000 }, () => random());
  const start = performance.now();
  const all = detectionMetrics(id, ood);
  const seconds = (performance.now() - start) / 1000;
  assert.ok(seconds < 1, `took ${seconds}s`);
  // U(0.2, 1.2) vs U(0, 1): P(ID > OOD) = 1 - 0.8^2 / 2 = 0.68; FPR at 95% TPR: threshold 0.25 -> 0.75.
  close(all.auroc, 0.68, 5e-3, 'AUROC');
  close(all.fpr95, 0.75, 1e-2, 'FPR95');
});
