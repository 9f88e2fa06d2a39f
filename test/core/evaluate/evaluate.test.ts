import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend, tf } from '../../../src/core/backend';
import { RunStore } from '../../../src/core/runs/runStore';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../../src/core/train/config';
import { train, prepareData } from '../../../src/core/train/trainer';
import { evaluateCheckpoint, resolveCheckpoint, readEvaluations } from '../../../src/core/evaluate/evaluate';
import { loadModelFromDir } from '../../../src/core/runs/checkpoint';
import { loadOodSet, toTensor } from '../../../src/core/data';
import { deriveSeed } from '../../../src/core/data/rng';
import { buildReport } from '../../../src/core/evaluate/report';
import type { EvaluationResult } from '../../../src/core/evaluate/results';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-cache-'));
const backend = { name: 'wasm', reason: 'test' };

before(async () => {
  await initBackend('wasm');
});

/** Brute force: fraction of OOD >= the largest threshold keeping >= 95% of ID; AUROC by all pairs. */
function bruteForce(id: number[], ood: number[]): { fpr95: number; auroc: number } {
  let best = Infinity;
  for (const t of [...id, ...ood]) {
    const tpr = id.filter((s) => s >= t).length / id.length;
    if (tpr >= 0.95) best = Math.min(best, ood.filter((s) => s >= t).length / ood.length);
  }
  let wins = 0;
  for (const a of id) for (const b of ood) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return { fpr95: best, auroc: wins / (id.length * ood.length) };
}

test('an evaluation matches MSP, FPR95, AUROC, accuracy and ECE recomputed in plain JS from the checkpoint', async () => {
  const store = new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-eval-')));
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, dataset: 'mnist', arch: 'mlp', loss: 'ce', epochs: 1, batchSize: 64, lr: 0.05, schedule: 'constant', limit: 640, probeSize: 100, backend: 'wasm' };
  const run = store.create('e', config);
  await train(run, { cacheDir, backend });
  const { checkpoint } = resolveCheckpoint(store, run.id);
  const n = 200;
  const { result, file } = await evaluateCheckpoint(run, checkpoint, { oodSets: ['uniform'], scorers: ['msp'], oodCount: n, idLimit: n, cacheDir, backend });
  assert.ok(fs.existsSync(file));
  assert.equal(readEvaluations(run).length, 1);

  // Independent recomputation: logits from the checkpoint, softmax and metrics written out here.
  const model = await loadModelFromDir(checkpoint.dir);
  const data = await prepareData({ ...config, limit: undefined }, { cacheDir });
  const norm = data.dataset.normalization;
  const logitsOf = (set: typeof data.test, count: number) => {
    const x = toTensor(set, Array.from({ length: count }, (_, i) => i), norm);
    const out = (model.predict(x) as tf.Tensor[])[0].arraySync() as number[][];
    x.dispose();
    return out;
  };
  const msp = (row: number[]) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    return Math.max(...e) / e.reduce((a, b) => a + b, 0);
  };
  // --id-limit n scores the n test images a run with --limit n tests on (a seeded random n).
  const idTest = (await prepareData({ ...config, limit: n }, { cacheDir })).test;
  assert.equal(idTest.count, n);
  assert.equal(result.idCount, n);
  const idLogits = logitsOf(idTest, n);
  const ood = await loadOodSet('uniform', { cacheDir, shape: [28, 28, 1], count: n, seed: deriveSeed(config.seed, 'ood-uniform') });
  const oodLogits = logitsOf(ood, n);
  const idScores = idLogits.map(msp);
  const oodScores = oodLogits.map(msp);
  const want = bruteForce(idScores, oodScores);
  const row = result.results[0];
  assert.ok(Math.abs(row.fpr95 - want.fpr95) < 1e-9 + 2 / n, `fpr95 ${row.fpr95} vs ${want.fpr95}`);
  assert.ok(Math.abs(row.auroc - want.auroc) < 1e-3, `auroc ${row.auroc} vs ${want.auroc}`);
  const correct = idLogits.map((r, i) => (r.indexOf(Math.max(...r)) === idTest.labels[i] ? 1 : 0));
  const acc = correct.reduce((a: number, b) => a + b, 0) / n;
  assert.ok(Math.abs(result.idAccuracy - acc) < 1e-9);
  // ECE: 15 equal-width bins, |accuracy - mean confidence| weighted by the bin's share.
  let eceSum = 0;
  for (let b = 0; b < 15; b++) {
    const members = idScores.map((c, i) => ({ c, ok: correct[i] })).filter(({ c }) => c > b / 15 && c <= (b + 1) / 15);
    if (members.length === 0) continue;
    const conf = members.reduce((a, m) => a + m.c, 0) / members.length;
    const accB = members.reduce((a, m) => a + m.ok, 0) / members.length;
    eceSum += (members.length / n) * Math.abs(accB - conf);
  }
  assert.ok(Math.abs(result.calibration.ece - eceSum) < 1e-4, `ece ${result.calibration.ece} vs ${eceSum}`);
  const meanNorm = idLogits.reduce((a, r) => a + Math.hypot(...r), 0) / n;
  assert.ok(Math.abs(result.logitNorm.id - meanNorm) < 1e-3 * Math.max(1, meanNorm));
  assert.equal(result.results[0].histogram.id.counts.reduce((a, b) => a + b, 0), n);
  model.dispose();
});

function fakeEvaluation(runId: string, loss: string, seed: number, fpr: number[], ece: number): EvaluationResult {
  return {
    format: 'ood-lens-evaluation', version: 1, id: `e-${runId}`, runId,
    train: { dataset: 'mnist', arch: 'lenet', loss, tau: 0.04, lambda: 0.05, seed, epochs: 5 },
    checkpoint: { epoch: 5, dir: '' }, createdAt: '2026-01-01T00:00:00Z', backend: { name: 'cpu', reason: '' },
    idDataset: 'mnist', idCount: 10, idAccuracy: 0.9,
    calibration: { ece, eceTemperatureScaled: ece / 2, temperature: 1, validationCount: 1, reliability: [], reliabilityTemperatureScaled: [] },
    logitNorm: { id: 10, ood: { a: 4, b: 6 } }, oodSets: [{ name: 'a', count: 1 }, { name: 'b', count: 1 }],
    scorers: [{ name: 'msp', settings: {} }],
    results: fpr.map((f, i) => ({ scorer: 'msp', oodSet: i === 0 ? 'a' : 'b', fpr95: f, auroc: 0.9, auprIn: 0.9, auprOut: 0.9, histogram: { id: { min: 0, max: 1, edges: [], counts: [] }, ood: { min: 0, max: 1, edges: [], counts: [] } } })),
    seconds: 1,
  };
}

test('the report groups seeds into one configuration: mean and sample std worked by hand', () => {
  // CE seeds: FPR averages (0.2+0.4)/2 = 0.3 and (0.4+0.6)/2 = 0.5 -> mean 0.4, std sqrt(((0.1)^2*2)/1) = 0.141421.
  const evals = [fakeEvaluation('r1', 'ce', 1, [0.2, 0.4], 0.02), fakeEvaluation('r2', 'ce', 2, [0.4, 0.6], 0.04), fakeEvaluation('r3', 'logitnorm', 1, [0.1, 0.1], 0.5)];
  const tables = buildReport(evals);
  const t1 = tables.find((t) => t.id === 'table1')!;
  const avgCe = t1.rows.find((r) => r.label[0] === 'average' && r.label[1] === 'mnist lenet ce')!;
  assert.ok(Math.abs(avgCe.cells[0]!.mean - 0.4) < 1e-12);
  assert.ok(Math.abs(avgCe.cells[0]!.std - Math.SQRT2 / 10) < 1e-12);
  assert.equal(avgCe.cells[0]!.n, 2);
  const t4 = tables.find((t) => t.id === 'table4')!;
  const ceRow = t4.rows.find((r) => r.label[0] === 'mnist lenet ce')!;
  assert.ok(Math.abs(ceRow.cells[1]!.mean - 0.03) < 1e-12);
  const t5 = tables.find((t) => t.id === 'table5')!;
  const lnRow = t5.rows.find((r) => r.label[0] === 'mnist lenet logitnorm (tau 0.04)')!;
  assert.equal(lnRow.cells[4]!.mean, 5); // OOD norms 4 and 6
});
