// The tau sweep's pure pieces: the tau list a person types, the record on disk, the metrics and
// best tau taken from the evaluations, and the sweep panel's state built from the record and the
// evaluation files it names (averages worked out by hand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { listRunDirsAsync as listRunDirs } from '../../../src/core/runs/runRecord';
import {
  bestTauOf,
  markSweepCancelledAfterKill,
  newSweepRecord,
  parseTauList,
  readSweepRecord,
  scorerAverages,
  sweepFileOf,
  sweepIdOf,
  sweepPointMetrics,
  writeSweepRecord,
  type SweepRecordPoint,
} from '../../../src/core/sweep/sweepRecord';
import { RunStoreCache } from '../../../src/extension/runStoreCache';
import { sweepStateOf } from '../../../src/extension/sweepRecord';
import { evaluationResult, resultRow, writeEvaluation } from '../../extension/evaluationFixture';

test('parseTauList: numbers > 0 by commas or spaces, sorted; each error names the entry', () => {
  assert.deepEqual(parseTauList('0.005,0.01,0.02,0.04,0.05'), { taus: [0.005, 0.01, 0.02, 0.04, 0.05] });
  assert.deepEqual(parseTauList(' 0.04, 0.005  0.01 '), { taus: [0.005, 0.01, 0.04] });
  const error = (text: string) => {
    const parsed = parseTauList(text);
    assert.ok('error' in parsed, `"${text}" is refused`);
    return parsed.error;
  };
  assert.match(error('0.01,abc'), /"abc" is not a number/);
  assert.match(error('0.01,-1'), /tau "-1" is not > 0/);
  assert.match(error('0.01,0'), /tau "0" is not > 0/);
  assert.match(error('0.01, 0.010'), /tau 0.010 is listed twice/);
  assert.match(error('0.04'), /two or more taus; "0.04" gives one/);
  assert.match(error('  '), /no tau given/);
});

test('sweepIdOf stamps UTC like run ids', () => {
  assert.equal(sweepIdOf(new Date('2026-11-27T03:04:05.678Z')), 'sweep-20261127-030405');
});

test('scorerAverages: the engine report\'s average over OOD sets of one scorer', () => {
  const result = evaluationResult({
    runId: 'r', idAccuracy: 0.9, ece: 0.1, eceTemperatureScaled: 0.05,
    results: [resultRow('msp', 'gaussian', 0.2, 0.9, 0.8, 0.7), resultRow('msp', 'uniform', 0.1, 0.95, 0.8, 0.7), resultRow('energy', 'gaussian', 0.9, 0.6, 0.5, 0.4)],
  });
  const msp = scorerAverages(result, 'msp');
  assert.ok(Math.abs((msp.fpr95 ?? NaN) - 0.15) < 1e-12, `msp FPR95 (0.2 + 0.1) / 2 = 0.15, got ${msp.fpr95}`);
  assert.ok(Math.abs((msp.auroc ?? NaN) - 0.925) < 1e-12, `msp AUROC (0.9 + 0.95) / 2 = 0.925, got ${msp.auroc}`);
  assert.deepEqual(scorerAverages(result, 'energy'), { fpr95: 0.9, auroc: 0.6 });
  assert.deepEqual(scorerAverages(result, 'odin'), { fpr95: null, auroc: null });
});

test('a sweep record round-trips through its file; the panel state shows landed points and says when no window drives it', async () => {
  const runsRoot = mkdtempSync(path.join(tmpdir(), 'ood-lens-sweep-'));
  const evaluationFile = await writeEvaluation(runsRoot, evaluationResult({
    runId: 'run-tau-0.01', tau: 0.01, idAccuracy: 0.93, ece: 0.1, eceTemperatureScaled: 0.05,
    results: [resultRow('msp', 'gaussian', 0.3, 0.8, 0.8, 0.7), resultRow('msp', 'uniform', 0.5, 0.7, 0.8, 0.7)],
  }));
  const file = sweepFileOf(runsRoot, 'sweep-20261127-030405');
  const record = newSweepRecord('sweep-20261127-030405', new Date('2026-11-27T03:04:05Z'), {
    taus: [0.01, 0.04], train: { dataset: 'mnist', architecture: 'mlp', epochs: 1, limit: 300 }, oodSets: ['gaussian', 'uniform'], scorers: ['msp'], scorer: 'msp',
  });
  record.points[0] = { ...record.points[0], status: 'done', runId: 'run-tau-0.01', runDir: path.join(runsRoot, 'run-tau-0.01'), evaluationFile };
  record.points[1].status = 'training';
  writeSweepRecord(file, record);
  assert.deepEqual((await fs.readdir(path.dirname(file))).sort(), ['sweep-20261127-030405.json'], 'no temporary file is left');
  const read = await readSweepRecord(file);
  assert.deepEqual(read.points, record.points);

  const cache = new RunStoreCache();
  const readEvaluation = (evaluation: string) => cache.evaluation(evaluation);
  const driven = await sweepStateOf(file, read, true, readEvaluation);
  assert.equal(driven.status, 'running');
  assert.equal(driven.cancellable, true);
  assert.deepEqual(driven.points.map((point) => [point.tau, point.status, point.runId, point.averageFpr95, point.averageAuroc, point.idAccuracy]), [
    [0.01, 'done', 'run-tau-0.01', 0.4, 0.75, 0.93],
    [0.04, 'training', undefined, null, null, null],
  ]);
  assert.equal(driven.title, 'Sweep tau · LogitNorm · mlp on mnist, 1 epoch, 300 images');
  const orphaned = await sweepStateOf(file, read, false, readEvaluation);
  assert.equal(orphaned.status, 'interrupted', 'a running sweep no window drives (after a reload) says so');
  assert.equal(orphaned.cancellable, false);

  // The sweeps folder under the runs folder is not a run.
  await fs.mkdir(path.join(runsRoot, 'run-tau-0.01', 'checkpoints'), { recursive: true });
  assert.deepEqual(await listRunDirs(runsRoot), [path.join(runsRoot, 'run-tau-0.01')]);
});

test('readSweepRecord names the file that is missing or is not a sweep', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'ood-lens-sweep-bad-'));
  await assert.rejects(readSweepRecord(path.join(folder, 'none.json')), /none\.json is missing/);
  await fs.writeFile(path.join(folder, 'other.json'), '{"format":"something-else"}');
  await assert.rejects(readSweepRecord(path.join(folder, 'other.json')), /other\.json is not an OOD Lens sweep file/);
  await fs.writeFile(path.join(folder, 'torn.json'), '{"format":');
  await assert.rejects(readSweepRecord(path.join(folder, 'torn.json')), /torn\.json is not valid JSON/);
});

test('sweepPointMetrics: the scorer\'s averages over the OOD sets and each set\'s, and the ID accuracy', () => {
  const result = evaluationResult({
    runId: 'r', idAccuracy: 0.97, ece: 0.1, eceTemperatureScaled: 0.05,
    results: [resultRow('msp', 'gaussian', 0.2, 0.9, 0.8, 0.7), resultRow('msp', 'uniform', 0.1, 0.95, 0.8, 0.7), resultRow('energy', 'gaussian', 0.9, 0.6, 0.5, 0.4)],
  });
  const metrics = sweepPointMetrics(result, 'msp');
  assert.equal(metrics?.idAccuracy, 0.97);
  assert.ok(Math.abs((metrics?.average.fpr95 ?? NaN) - 0.15) < 1e-12 && Math.abs((metrics?.average.auroc ?? NaN) - 0.925) < 1e-12, JSON.stringify(metrics));
  assert.deepEqual(metrics?.perOodSet, { gaussian: { fpr95: 0.2, auroc: 0.9 }, uniform: { fpr95: 0.1, auroc: 0.95 } });
  assert.equal(sweepPointMetrics(result, 'odin'), undefined, 'no row of that scorer');
});

test('bestTauOf: the lowest FPR95 on the chosen target; ties to the higher AUROC, then the smaller tau', () => {
  const point = (tau: number, average: [number, number], gaussian: [number, number]): SweepRecordPoint => ({
    tau, status: 'done', metrics: { idAccuracy: 0.9, average: { fpr95: average[0], auroc: average[1] }, perOodSet: { gaussian: { fpr95: gaussian[0], auroc: gaussian[1] } } },
  });
  const points = [point(0.005, [0.3, 0.9], [0, 0.99]), point(0.01, [0.2, 0.92], [0, 0.995]), point(0.04, [0.2, 0.95], [0.1, 0.97]), { tau: 0.05, status: 'failed' as const }];
  assert.equal(bestTauOf(points), 0.04, 'average FPR95 0.2 twice: AUROC 0.95 beats 0.92');
  assert.equal(bestTauOf(points, 'gaussian'), 0.01, 'Gaussian FPR95 0 twice: AUROC 0.995 beats 0.99');
  assert.equal(bestTauOf([point(0.02, [0.1, 0.9], [0, 1]), point(0.01, [0.1, 0.9], [0, 1])]), 0.01, 'a full tie: the smaller tau');
  assert.equal(bestTauOf([{ tau: 0.01, status: 'training' }]), undefined);
  assert.equal(bestTauOf(points, 'uniform'), undefined, 'no point was evaluated on that set');
});

test('markSweepCancelledAfterKill: a running sweep and its unfinished taus become cancelled; an ended one is left alone', async () => {
  const runsRoot = mkdtempSync(path.join(tmpdir(), 'ood-lens-sweep-kill-'));
  const file = sweepFileOf(runsRoot, 'sweep-1');
  const record = newSweepRecord('sweep-1', new Date(), { taus: [0.01, 0.02, 0.04], train: { dataset: 'mnist', architecture: 'mlp', epochs: 1 }, oodSets: ['gaussian'], scorers: ['msp'], scorer: 'msp' });
  record.points[0].status = 'done';
  record.points[1].status = 'training';
  writeSweepRecord(file, record);
  assert.equal(await markSweepCancelledAfterKill(file, 'killed'), true);
  const after = await readSweepRecord(file);
  assert.equal(after.status, 'cancelled');
  assert.deepEqual(after.points.map((entry) => [entry.status, entry.error]), [['done', undefined], ['cancelled', 'killed'], ['cancelled', undefined]]);
  assert.equal(await markSweepCancelledAfterKill(file, 'killed'), false);
  assert.equal(await markSweepCancelledAfterKill(path.join(runsRoot, 'none.json'), 'killed'), false);
});
