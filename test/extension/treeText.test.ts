// The words of the Runs tree, from a run summary and an evaluation file written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvaluationResult } from '../../src/core/evaluate/results';
import { checkpointDescription, evaluationDescription, percent, resultDescription, resultLabel, resultTooltipMarkdown, runDescription } from '../../src/extension/treeText';

const histogram = { min: 0, max: 1, edges: [0, 0.5, 1], counts: [1, 3] };
const evaluation: EvaluationResult = {
  format: 'ood-lens-evaluation', version: 1, id: 'epoch-1-x', runId: 'run-1',
  train: { dataset: 'mnist', arch: 'mlp', loss: 'logitnorm', tau: 0.04, lambda: 0.05, seed: 1, epochs: 1 },
  checkpoint: { epoch: 1, dir: '/r/run-1/checkpoints/epoch-1' }, createdAt: '2026-11-27T01:27:12.448Z',
  backend: { name: 'wasm', reason: 'test' }, idDataset: 'mnist', idCount: 500, idAccuracy: 0.9512,
  calibration: { ece: 0.0321, eceTemperatureScaled: 0.0105, temperature: 1.5, validationCount: 100, reliability: [], reliabilityTemperatureScaled: [] },
  logitNorm: { id: 12, ood: { gaussian: 3 } }, oodSets: [{ name: 'gaussian', count: 1000 }], scorers: [{ name: 'msp', settings: {} }],
  results: [{ scorer: 'msp', oodSet: 'gaussian', fpr95: 0.042, auroc: 0.98765, auprIn: 0.9, auprOut: 0.8, histogram: { id: histogram, ood: histogram } }],
  seconds: 1,
};

test('percent formats fractions and says n/a for missing numbers', () => {
  assert.equal(percent(0.042), '4.20%');
  assert.equal(percent(1, 1), '100.0%');
  assert.equal(percent(undefined), 'n/a');
  assert.equal(percent(Number.NaN), 'n/a');
});

test('runDescription: loss with tau, architecture, dataset, best accuracy; status unless done', () => {
  const summary = { id: 'r', runDir: '/r', status: 'done', bestTestAccuracy: 0.981, config: { loss: 'logitnorm', tau: 0.04, arch: 'lenet', dataset: 'mnist' } };
  assert.equal(runDescription(summary), 'LogitNorm tau=0.04 · lenet · mnist · best 98.10%');
  assert.equal(runDescription({ ...summary, status: 'cancelled', bestTestAccuracy: undefined, config: { loss: 'ce', arch: 'mlp', dataset: 'mnist' } }), 'Cross-Entropy · mlp · mnist · cancelled');
  assert.equal(runDescription({ ...summary, problem: 'run.json is missing' }), 'run.json is missing');
});

test('checkpoint, evaluation and result rows show the numbers of the file', () => {
  assert.equal(checkpointDescription(undefined, 0), '');
  assert.equal(checkpointDescription({ testAccuracy: 0.9795 } as never, 2), 'test acc 97.95% · 2 evaluations');
  assert.equal(evaluationDescription(evaluation), 'ID acc 95.12% · ECE 3.21% · 1 scorer x 1 OOD set');
  assert.equal(resultLabel(evaluation.results[0]), 'msp vs gaussian');
  assert.equal(resultDescription(evaluation.results[0]), 'FPR95 4.20% · AUROC 98.77%');
  const tooltip = resultTooltipMarkdown(evaluation.results[0], evaluation);
  for (const expected of ['| FPR95 (lower is better) | 4.20% |', '| AUROC | 98.77% |', '| AUPR-In | 90.00% |', '| AUPR-Out | 80.00% |', '3.21% / 1.05%', '1000 images']) {
    assert.ok(tooltip.includes(expected), `tooltip has ${expected}:\n${tooltip}`);
  }
});
