import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracy, argmaxRows, calibrationBin, ece, fitTemperature, maxSoftmax, reliabilityBins, softmaxWithTemperature, temperatureNll,
} from '../../../src/core/metrics';
import { UserInputError } from '../../../src/core/errors';
import { seededRandom } from './random';

const close = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected}, got ${actual}`);

// ECE by hand, M = 15 bins of width 1/15, bin m = (m/15, (m+1)/15]:
//   conf  correct  bin
//   0.95   1       14  (0.9333, 1]
//   0.90   0       13  (0.8667, 0.9333]
//   0.60   1        8  (0.5333, 0.6]   <- 0.6 = 9/15 exactly: a boundary goes to the lower bin
//   0.55   1        8
//   0.20   0        2  (0.1333, 0.2]   <- 0.2 = 3/15: lower bin again
//   1.00   1       14
// bin 14: 2 samples, conf (0.95 + 1) / 2 = 0.975, acc 1 -> |gap| 0.025
// bin 13: 1 sample,  conf 0.9, acc 0 -> 0.9
// bin  8: 2 samples, conf 0.575, acc 1 -> 0.425
// bin  2: 1 sample,  conf 0.2, acc 0 -> 0.2
// ECE = (2 * 0.025 + 0.9 + 2 * 0.425 + 0.2) / 6 = 2 / 6 = 1/3.
test('ECE and reliability bins by hand (15 bins, boundaries, booleans or 0/1)', () => {
  const confidences = [0.95, 0.9, 0.6, 0.55, 0.2, 1.0];
  const correct = [1, 0, 1, 1, 0, 1];
  close(ece(confidences, correct), 1 / 3, 1e-12, 'ECE');
  close(ece(Float32Array.from(confidences), correct.map((c) => c === 1)), 1 / 3, 1e-7, 'ECE float32 + booleans');
  const bins = reliabilityBins(confidences, correct);
  assert.equal(bins.length, 15);
  assert.deepEqual(bins.map((b) => b.count), [0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 2]);
  close(bins[14].meanConfidence ?? NaN, 0.975, 1e-12);
  assert.equal(bins[14].accuracy, 1);
  close(bins[8].meanConfidence ?? NaN, 0.575, 1e-12);
  assert.equal(bins[13].accuracy, 0);
  assert.equal(bins[0].meanConfidence, null);
  close(bins[8].lower, 8 / 15, 0);
  close(bins[8].upper, 9 / 15, 0);
  // Every m/15 lands in bin m - 1; just above it lands in bin m.
  for (let m = 1; m <= 15; m++) {
    assert.equal(calibrationBin(m / 15, 15), m - 1, `edge ${m}/15`);
    if (m < 15) assert.equal(calibrationBin(m / 15 + 1e-12, 15), m, `above ${m}/15`);
  }
  assert.equal(calibrationBin(0, 15), 0);
});

test('ECE: perfectly calibrated bins give 0; errors are user errors', () => {
  // Bin 14 with conf 0.95 and 20 samples of which 19 are right: gap 0.
  const confidences = new Array(20).fill(0.95);
  const correct = confidences.map((_, i) => (i < 19 ? 1 : 0));
  close(ece(confidences, correct), 0, 1e-15);
  assert.throws(() => ece([], []), UserInputError);
  assert.throws(() => ece([0.5], [1, 0]), UserInputError);
  assert.throws(() => ece([1.5], [1]), UserInputError);
  assert.throws(() => ece([0.5], [1], 0), UserInputError);
});

test('accuracy, argmax, softmax with temperature by hand', () => {
  // Rows [1, 2, 3] and [0, 0, 0] (first maximum on ties -> class 0).
  const logits = Float32Array.from([1, 2, 3, 0, 0, 0]);
  assert.deepEqual(Array.from(argmaxRows(logits, 3)), [2, 0]);
  assert.equal(accuracy(argmaxRows(logits, 3), [2, 1]), 0.5);
  // softmax([1,2,3] / 2) = exp([0.5, 1, 1.5]) / sum.
  const z = [0.5, 1, 1.5].map(Math.exp);
  const sum = z[0] + z[1] + z[2];
  const p = softmaxWithTemperature(logits, 3, 2);
  for (let j = 0; j < 3; j++) close(p[j], z[j] / sum, 1e-7);
  for (let j = 3; j < 6; j++) close(p[j], 1 / 3, 1e-7);
  const conf = maxSoftmax(logits, 3, 2);
  close(conf[0], z[2] / sum, 1e-7);
  close(conf[1], 1 / 3, 1e-7);
  // Huge logits stay finite.
  const huge = maxSoftmax([1000, 0, -1000], 3);
  close(huge[0], 1, 0);
  assert.throws(() => softmaxWithTemperature([1, 2, 3], 2), UserInputError);
  assert.throws(() => softmaxWithTemperature([1, 2], 2, 0), UserInputError);
  assert.throws(() => accuracy([], []), UserInputError);
});

/** Draws logits and labels: labels sampled from softmax(logits / trueT), so the NLL-optimal T is near trueT. */
function syntheticValidation(seed: number, rows: number, classes: number, scale: number, trueT: number) {
  const random = seededRandom(seed);
  const logits = new Float32Array(rows * classes);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < classes; j++) logits[i * classes + j] = (random() * 2 - 1) * scale;
    const p = softmaxWithTemperature(logits.subarray(i * classes, (i + 1) * classes), classes, trueT);
    let u = random();
    let y = 0;
    while (y < classes - 1 && u > p[y]) u -= p[y++];
    labels[i] = y;
  }
  return { logits, labels };
}

/** Grid search on the NLL: a step of 1e-3 over [lo, hi], then a step of 1e-6 around the best. */
function gridTemperature(logits: Float32Array, labels: Int32Array, classes: number, lo: number, hi: number): number {
  let best = lo;
  let bestNll = Infinity;
  for (let t = lo; t <= hi; t += 1e-3) {
    const nll = temperatureNll(logits, labels, classes, t);
    if (nll < bestNll) { bestNll = nll; best = t; }
  }
  const center = best;
  for (let k = -1000; k <= 1000; k++) {
    const t = center + k * 1e-6;
    if (t <= 0) continue;
    const nll = temperatureNll(logits, labels, classes, t);
    if (nll < bestNll) { bestNll = nll; best = t; }
  }
  return best;
}

test('fitted temperature matches a brute-force grid search of the NLL to 1e-4', () => {
  // Over-confident logits (true T = 2.5), under-confident ones (true T = 0.4), and LogitNorm-like
  // small logits (|f| ~ 0.05, true T = 0.02, so T << 1 as the paper's Table 4 implies).
  const cases = [
    { seed: 1, rows: 300, classes: 5, scale: 6, trueT: 2.5, lo: 0.5, hi: 6 },
    { seed: 2, rows: 300, classes: 10, scale: 1, trueT: 0.4, lo: 0.05, hi: 2 },
    { seed: 3, rows: 200, classes: 10, scale: 0.05, trueT: 0.02, lo: 0.002, hi: 0.2 },
  ];
  for (const c of cases) {
    const { logits, labels } = syntheticValidation(c.seed, c.rows, c.classes, c.scale, c.trueT);
    const fitted = fitTemperature(logits, labels, c.classes);
    const grid = gridTemperature(logits, labels, c.classes, c.lo, c.hi);
    close(fitted, grid, 1e-4, `T (true ${c.trueT})`);
    // And it is a minimum: the NLL is not lower a hair either side.
    const nll = temperatureNll(logits, labels, c.classes, fitted);
    assert.ok(nll <= temperatureNll(logits, labels, c.classes, fitted * (1 + 1e-6)) + 1e-15);
    assert.ok(nll <= temperatureNll(logits, labels, c.classes, fitted * (1 - 1e-6)) + 1e-15);
    // Temperature scaling lowers the NLL (and here, with labels drawn at trueT, the ECE too).
    assert.ok(nll <= temperatureNll(logits, labels, c.classes, 1));
    assert.equal(fitTemperature(logits, labels, c.classes), fitted, 'deterministic');
  }
});

test('temperature: hand case and edge cases', () => {
  // Two classes, one row f = [x, 0] with label 0 and one row f = [x, 0] with label 1: the NLL is
  // minimised where p(class 0) = 1/2, i.e. T -> infinity: the slope is >= 0 at every b -> maxT.
  assert.equal(fitTemperature([1, 0, 1, 0], [0, 1], 2), 1e4);
  // Every sample right with a margin: sharper is always better -> minT.
  assert.equal(fitTemperature([2, 0, 0, 2], [0, 1], 2, { minTemperature: 1e-3 }), 1e-3);
  // Constant rows: the NLL is log k for every T -> 1.
  assert.equal(fitTemperature([0.5, 0.5, 0.5, 0.5], [0, 1], 2), 1);
  // Hand case with a closed form: three rows f = [1, 0], labels 0, 0, 1. With b = 1/T,
  // NLL'(b) = sigma(b) - 2/3 = 0 (E_p[f] - f_y averaged) -> b = log 2, T = 1 / log 2 = 1.442695.
  close(fitTemperature([1, 0, 1, 0, 1, 0], [0, 0, 1], 2), 1 / Math.LN2, 1e-10, 'T = 1/ln 2');
  assert.throws(() => fitTemperature([], [], 3), UserInputError);
  assert.throws(() => fitTemperature([1, 0], [2], 2), UserInputError);
  assert.throws(() => fitTemperature([1, 0], [0, 1], 2), UserInputError);
  assert.throws(() => fitTemperature([NaN, 0], [0], 2), UserInputError);
});
