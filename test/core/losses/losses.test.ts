import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { crossEntropyLoss, logitNormLoss, logitPenaltyLoss, logitNormLowerBound, getLoss } from '../../../src/core/losses';
import { UserInputError } from '../../../src/core/errors';

before(async () => {
  await tf.setBackend('cpu');
});

// Plain double-precision references, written from the formulas, independent of tfjs.
function refCe(f: number[], y: number): number {
  const m = Math.max(...f);
  const lse = m + Math.log(f.reduce((s, v) => s + Math.exp(v - m), 0));
  return lse - f[y];
}
function refNorm(f: number[]): number {
  return Math.sqrt(f.reduce((s, v) => s + v * v, 0));
}
function refLogitNorm(f: number[], y: number, tau: number): number {
  const n = refNorm(f) + 1e-7;
  return refCe(f.map((v) => v / (tau * n)), y);
}
function refPenalty(f: number[], y: number, lambda: number): number {
  return refCe(f, y) + lambda * refNorm(f);
}

function evalLoss(fn: (l: tf.Tensor2D, y: tf.Tensor1D) => tf.Scalar, rows: number[][], labels: number[]): number {
  return tf.tidy(() => fn(tf.tensor2d(rows), tf.tensor1d(labels, 'int32')).arraySync() as number);
}

test('cross-entropy of [1,2,3] with label 2 is log(1 + e^-1 + e^-2) = 0.407606', () => {
  const v = evalLoss(crossEntropyLoss, [[1, 2, 3]], [2]);
  assert.ok(Math.abs(v - 0.4076059644) < 1e-6, `${v}`);
});

test('cross-entropy is the batch mean and stable for huge logits', () => {
  // Row 2: [1000, 0, 0] label 1 -> 1000 (log-sum-exp = 1000 + log(1 + 2e^-1000)).
  const v = evalLoss(crossEntropyLoss, [[1, 2, 3], [1000, 0, 0]], [2, 1]);
  assert.ok(Math.abs(v - (0.4076059644 + 1000) / 2) < 1e-3, `${v}`);
});

test('LogitNorm of [3,4] (norm 5), tau 0.5, label 0 is log(1 + e^0.4) = 0.913015', () => {
  // f / (0.5 * 5) = [1.2, 1.6]; CE at label 0 = log(e^1.2 + e^1.6) - 1.2 = log(1 + e^0.4).
  const v = evalLoss((l, y) => logitNormLoss(l, y, { tau: 0.5 }), [[3, 4]], [0]);
  assert.ok(Math.abs(v - 0.9130152924) < 1e-6, `${v}`);
});

test('LogitNorm does not see the scale of the logits', () => {
  const f = [[0.3, -1.2, 2.5, 0.7]];
  const a = evalLoss((l, y) => logitNormLoss(l, y, { tau: 0.1 }), f, [1]);
  const b = evalLoss((l, y) => logitNormLoss(l, y, { tau: 0.1 }), [f[0].map((v) => v * 1000)], [1]);
  assert.ok(Math.abs(a - b) < 1e-4, `${a} vs ${b}`);
});

test('LogitPenalty of [3,4], label 1, lambda 0.05 is log(1 + e^-1) + 0.25', () => {
  const v = evalLoss((l, y) => logitPenaltyLoss(l, y, { lambda: 0.05 }), [[3, 4]], [1]);
  assert.ok(Math.abs(v - (Math.log1p(Math.exp(-1)) + 0.25)) < 1e-6, `${v}`);
});

test('losses match double-precision references on random batches', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 6 - 3;
  const rows = Array.from({ length: 16 }, () => Array.from({ length: 10 }, rand));
  const labels = rows.map((_, i) => (i * 7) % 10);
  const mean = (g: (f: number[], y: number) => number) => rows.reduce((s, f, i) => s + g(f, labels[i]), 0) / rows.length;
  const cases: [string, (l: tf.Tensor2D, y: tf.Tensor1D) => tf.Scalar, number][] = [
    ['ce', crossEntropyLoss, mean(refCe)],
    ['logitnorm', (l, y) => logitNormLoss(l, y, { tau: 0.04 }), mean((f, y) => refLogitNorm(f, y, 0.04))],
    ['logitpenalty', (l, y) => logitPenaltyLoss(l, y, { lambda: 0.05 }), mean((f, y) => refPenalty(f, y, 0.05))],
  ];
  for (const [name, fn, want] of cases) {
    const got = evalLoss(fn, rows, labels);
    assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, Math.abs(want)), `${name}: ${got} vs ${want}`);
  }
});

test('gradients with respect to the logits match central finite differences', () => {
  const f = [[0.8, -0.4, 1.7, 0.1, -2.2], [-0.5, 0.9, 0.3, 1.1, 0.0]];
  const y = [2, 3];
  const cases: [string, (l: tf.Tensor2D, y: tf.Tensor1D) => tf.Scalar, (f: number[], y: number) => number][] = [
    ['ce', crossEntropyLoss, refCe],
    ['logitnorm tau 0.3', (l, t) => logitNormLoss(l, t, { tau: 0.3 }), (r, t) => refLogitNorm(r, t, 0.3)],
    ['logitpenalty', (l, t) => logitPenaltyLoss(l, t, { lambda: 0.05 }), (r, t) => refPenalty(r, t, 0.05)],
  ];
  for (const [name, fn, ref] of cases) {
    const grad = tf.tidy(() => {
      const labels = tf.tensor1d(y, 'int32');
      return tf.grad((l: tf.Tensor) => fn(l as tf.Tensor2D, labels))(tf.tensor2d(f)).arraySync() as number[][];
    });
    const h = 1e-5;
    const meanRef = (rows: number[][]) => rows.reduce((s, r, i) => s + ref(r, y[i]), 0) / rows.length;
    for (let i = 0; i < f.length; i++) {
      for (let j = 0; j < f[i].length; j++) {
        const plus = f.map((r) => r.slice());
        const minus = f.map((r) => r.slice());
        plus[i][j] += h;
        minus[i][j] -= h;
        const fd = (meanRef(plus) - meanRef(minus)) / (2 * h);
        assert.ok(Math.abs(grad[i][j] - fd) < 2e-4, `${name} d/df[${i}][${j}]: autodiff ${grad[i][j]} vs fd ${fd}`);
      }
    }
  }
});

test('Proposition 3.3: k = 10, tau = 1 gives the bound 0.7966 quoted in the paper', () => {
  assert.ok(Math.abs(logitNormLowerBound(10, 1) - 0.79661) < 1e-4);
});

test('Proposition 3.3: no logit vector goes below the bound, nor below the exact minimum', () => {
  const tau = 0.5;
  for (const k of [2, 3, 10]) {
    const bound = logitNormLowerBound(k, tau);
    // The exact minimum over unit vectors u is at u_y = sqrt((k-1)/k), u_i = -1/sqrt(k(k-1)):
    // log(1 + (k-1) exp(-sqrt(k/(k-1)) / tau)) >= bound (the bound takes u_y - u_i = 2, which no
    // unit vector reaches: sqrt(k/(k-1)) <= sqrt(2) < 2).
    const best = [Math.sqrt((k - 1) / k), ...Array.from({ length: k - 1 }, () => -1 / Math.sqrt(k * (k - 1)))];
    const atBest = evalLoss((l, t) => logitNormLoss(l, t, { tau }), [best], [0]);
    const exactMin = Math.log1p((k - 1) * Math.exp(-Math.sqrt(k / (k - 1)) / tau));
    assert.ok(Math.abs(atBest - exactMin) < 1e-5, `k=${k}: ${atBest} vs ${exactMin}`);
    assert.ok(atBest >= bound - 1e-6);
    let seed = k;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 8 - 4;
    const rows = Array.from({ length: 500 }, () => Array.from({ length: k }, rand));
    const perSample = tf.tidy(() => rows.map((r) => logitNormLoss(tf.tensor2d([r]), tf.tensor1d([0], 'int32'), { tau }).arraySync() as number));
    for (const v of perSample) assert.ok(v >= exactMin - 1e-5, `k=${k}: ${v} < ${exactMin}`);
  }
});

test('losses leave no tensors behind', () => {
  const before = tf.memory().numTensors;
  const l = tf.tensor2d([[1, 2], [3, 4]]);
  const y = tf.tensor1d([0, 1], 'int32');
  for (const name of ['ce', 'logitnorm', 'logitpenalty']) getLoss(name).fn(l, y, {}).dispose();
  l.dispose();
  y.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('an unknown loss names itself and the known ones', () => {
  assert.throws(() => getLoss('focal'), (e: unknown) => e instanceof UserInputError && /focal/.test(e.message) && /logitnorm/.test(e.message));
});
