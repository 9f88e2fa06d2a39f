// The words of the Runs tree, from a run summary and an evaluation file written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvaluationResult } from '../../src/core/evaluate/results';
import { checkpointDescription, evaluationDescription, percent, resultDescription, resultLabel, resultTooltipMarkdown, runDescription, runTooltipMarkdown } from '../../src/extension/treeText';
import { learningRateText } from '../../src/numberText';
import type { RunFolderSummary } from '../../src/extension/runFolders';

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
  const summary: RunFolderSummary = { id: 'r', runDir: '/r', status: 'done', bestTestAccuracy: 0.981, config: { loss: 'logitnorm', tau: 0.04, arch: 'lenet', dataset: 'mnist' }, warnings: [] };
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

test('learningRateText writes rates as people do: plain decimals down to 1e-3, short exponents below', () => {
  assert.equal(learningRateText(0.1), '0.1');
  assert.equal(learningRateText(0.01), '0.01');
  assert.equal(learningRateText(0.002), '0.002');
  assert.equal(learningRateText(5e-5), '5e-5');
  assert.equal(learningRateText(0.00005000001), '5e-5', 'three significant digits');
  assert.equal(learningRateText(1.25e-4), '1.25e-4');
  assert.equal(learningRateText(0.09999999), '0.1');
  assert.equal(learningRateText(0), '0');
});

test('runTooltipMarkdown names the loss with its own parameter only, the recipe in words, and the folder', () => {
  const base = { id: 'r1', runDir: '/ws/.oodlens/runs/r1', status: 'done' };
  const ce = runTooltipMarkdown({
    ...base,
    config: { dataset: 'mnist', arch: 'lenet', loss: 'ce', tau: 0.04, lambda: 0.05, epochs: 5, batchSize: 128, lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.0005, schedule: 'cosine+warmup:1', seed: 3, limit: 6400, oodProbe: 'gaussian', backend: 'wasm' },
  } as never);
  assert.match(ce, /^\*\*r1\*\* \(done\)/);
  assert.match(ce, /\| loss \| Cross-Entropy \|/);
  assert.ok(!/tau|lambda/.test(ce), 'a cross-entropy run shows neither tau nor lambda');
  assert.match(ce, /\| data \(ID\) \| mnist \(first 6400 training images\) \|/);
  assert.match(ce, /\| optimiser \| SGD, lr 0\.01, momentum 0\.9 \(Nesterov\), weight decay 5e-4 \|/);
  assert.match(ce, /\| schedule \| cosine\+warmup:1 \|/);
  assert.ok(ce.trimEnd().endsWith('/ws/.oodlens/runs/r1'));
  const logitNorm = runTooltipMarkdown({ ...base, config: { loss: 'logitnorm', tau: 0.04, lambda: 0.05, arch: 'mlp' } } as never);
  assert.match(logitNorm, /\| loss \| LogitNorm \(tau 0\.04\) \|/);
  assert.ok(!logitNorm.includes('lambda'));
  const penalty = runTooltipMarkdown({ ...base, config: { loss: 'logitpenalty', tau: 0.04, lambda: 0.1 } } as never);
  assert.match(penalty, /\(lambda 0\.1\)/);
  assert.ok(!penalty.includes('tau'));
  const broken = runTooltipMarkdown({ ...base, status: 'unknown', config: {}, problem: 'run.json is not valid JSON' } as never);
  assert.match(broken, /Problem: run\.json is not valid JSON/);
  assert.ok(!broken.includes('|'), 'no empty table');
});
