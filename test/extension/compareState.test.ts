// The compare panel's data: two runs' evaluation files written here with chosen numbers, read
// from disk as the panel reads them, lined up as "A / B" cells with the better value marked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { betterIndices, compareStateOf, runLetter } from '../../src/extension/compareState';
import { listEvaluationFiles as listEvaluations } from '../../src/core/evaluate/evaluationFiles';
import { evaluationResult, resultRow, writeEvaluation } from './evaluationFixture';

test('runLetter: A..Z, then AA, AB, ..., BA', () => {
  assert.deepEqual([0, 1, 25, 26, 27, 51, 52].map(runLetter), ['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA']);
});

test('betterIndices: lower or higher wins, ties share it, nothing when all tie or fewer than two values', () => {
  assert.deepEqual(betterIndices([0.5, 0.1], 'lower'), [1]);
  assert.deepEqual(betterIndices([0.5, 0.1], 'higher'), [0]);
  assert.deepEqual(betterIndices([0.1, 0.1, 0.3], 'lower'), [0, 1]);
  assert.deepEqual(betterIndices([0.3, 0.3], 'lower'), []);
  assert.deepEqual(betterIndices([0.4, null], 'lower'), []);
  assert.deepEqual(betterIndices([null, 0.2, Number.NaN, 0.6], 'higher'), [3]);
});

test('compareStateOf: the latest evaluation of each run, one "A / B" cell per scorer x OOD set and metric, the better marked', async () => {
  const runsRoot = mkdtempSync(path.join(tmpdir(), 'ood-lens-compare-'));
  // Run A (cross-entropy): two evaluations of epoch 1; the newer one counts.
  await writeEvaluation(runsRoot, evaluationResult({
    runId: 'run-a', loss: 'ce', createdAt: '2026-11-27T01:00:00.000Z', idAccuracy: 0.5, ece: 0.5, eceTemperatureScaled: 0.5,
    results: [resultRow('msp', 'gaussian', 0.99, 0.5, 0.5, 0.5)],
  }));
  const fileA = await writeEvaluation(runsRoot, { ...evaluationResult({
    runId: 'run-a', loss: 'ce', createdAt: '2026-11-27T02:00:00.000Z', idAccuracy: 0.97, ece: 0.05, eceTemperatureScaled: 0.01,
    results: [resultRow('msp', 'gaussian', 0.5, 0.9, 0.8, 0.7), resultRow('msp', 'uniform', 0.3, 0.95, 0.85, 0.75), resultRow('energy', 'gaussian', 0.4, 0.92, 0.82, 0.72)],
  }), id: 'epoch-1-newer' });
  // Run B (LogitNorm): epoch 1 and epoch 2; the newest checkpoint counts even though it was evaluated first.
  const fileB = await writeEvaluation(runsRoot, evaluationResult({
    runId: 'run-b', epoch: 2, createdAt: '2026-11-27T01:30:00.000Z', idAccuracy: 0.96, ece: 0.02, eceTemperatureScaled: 0.01,
    results: [resultRow('msp', 'gaussian', 0.1, 0.98, 0.97, 0.96), resultRow('msp', 'uniform', 0.3, 0.96, 0.85, 0.7)],
  }));
  await writeEvaluation(runsRoot, evaluationResult({
    runId: 'run-b', epoch: 1, createdAt: '2026-11-27T03:00:00.000Z', idAccuracy: 0.1, ece: 0.9, eceTemperatureScaled: 0.9,
    results: [resultRow('msp', 'gaussian', 0.01, 0.99, 0.99, 0.99)],
  }));
  const inputs = await Promise.all(['run-a', 'run-b'].map(async (id) => ({ runDir: path.join(runsRoot, id), evaluations: await listEvaluations(path.join(runsRoot, id)) })));
  const state = compareStateOf(inputs);

  assert.deepEqual(state.runs.map((run) => [run.letter, run.runId, run.checkpointEpoch, run.evaluationFile, run.description]), [
    ['A', 'run-a', 1, fileA, 'Cross-Entropy · mlp · mnist · seed 1'],
    ['B', 'run-b', 2, fileB, 'LogitNorm tau=0.04 · mlp · mnist · seed 1'],
  ]);
  assert.deepEqual(state.metrics, [
    { label: 'FPR95', better: 'lower' }, { label: 'AUROC', better: 'higher' }, { label: 'AUPR-In', better: 'higher' }, { label: 'AUPR-Out', better: 'higher' },
  ]);
  assert.deepEqual(state.rows, [
    { scorer: 'msp', oodSet: 'gaussian', cells: [
      { values: [0.5, 0.1], best: [1] }, { values: [0.9, 0.98], best: [1] }, { values: [0.8, 0.97], best: [1] }, { values: [0.7, 0.96], best: [1] },
    ] },
    { scorer: 'msp', oodSet: 'uniform', cells: [
      { values: [0.3, 0.3], best: [] }, { values: [0.95, 0.96], best: [1] }, { values: [0.85, 0.85], best: [] }, { values: [0.75, 0.7], best: [0] },
    ] },
    // Only A has energy: shown, nothing marked.
    { scorer: 'energy', oodSet: 'gaussian', cells: [
      { values: [0.4, null], best: [] }, { values: [0.92, null], best: [] }, { values: [0.82, null], best: [] }, { values: [0.72, null], best: [] },
    ] },
  ]);
  assert.deepEqual(state.summary, [
    { label: 'ID accuracy', better: 'higher', cell: { values: [0.97, 0.96], best: [0] } },
    { label: 'ECE (15 bins)', better: 'lower', cell: { values: [0.05, 0.02], best: [1] } },
    { label: 'ECE after temperature scaling', better: 'lower', cell: { values: [0.01, 0.01], best: [] } },
  ]);
  assert.equal(state.title, 'Compare A: run-a · B: run-b');
});

test('compareStateOf: fewer than two evaluated runs is an error that says how many have one', () => {
  const only = { runDir: '/r/a', evaluations: [{ file: '/r/a/evaluations/x.json', result: evaluationResult({ runId: 'a', idAccuracy: 1, ece: 0, eceTemperatureScaled: 0, results: [] }) }] };
  assert.throws(() => compareStateOf([only, { runDir: '/r/b', evaluations: [] }]), /two or more runs with an evaluation; 1 of the 2 given have one/);
});

test('compareStateOf: an imported ONNX model beside a trained run is described by its model, not a training config', () => {
  const trained = evaluationResult({ runId: 'trained', idAccuracy: 0.9, ece: 0.1, eceTemperatureScaled: 0.05, results: [resultRow('msp', 'gaussian', 0.2, 0.9, 0.9, 0.9)] });
  const base = evaluationResult({ runId: 'onnx', epoch: 0, idAccuracy: 0.64, ece: 0.02, eceTemperatureScaled: 0.02, results: [resultRow('odin-t', 'gaussian', 1, 0.35, 0.38, 0.55)] });
  const imported = {
    ...base,
    train: { ...base.train, arch: 'model.onnx', dataset: 'cifar10', loss: 'imported' },
    imported: {
      model: { file: '/m/model.onnx', sha256: 'ab'.repeat(32), bytes: 1, producer: 'pytorch 1.13' },
      preprocessing: { layout: 'nchw', height: 32, width: 32, channels: 3, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], sources: {} },
      notes: [],
      skipped: [],
    },
  };
  const state = compareStateOf([
    { runDir: '/r/trained', evaluations: [{ file: '/r/trained/evaluations/a.json', result: trained }] },
    { runDir: '/r/onnx', evaluations: [{ file: '/r/onnx/evaluations/b.json', result: imported }] },
  ]);
  assert.deepEqual(state.runs.map((run) => [run.runId, run.checkpointEpoch, run.description]), [
    ['trained', 1, 'LogitNorm tau=0.04 · mlp · mnist · seed 1'],
    ['onnx', 0, 'imported ONNX · model.onnx · cifar10'],
  ]);
  assert.deepEqual(state.rows.map((row) => row.scorer), ['msp', 'odin-t']);
});
