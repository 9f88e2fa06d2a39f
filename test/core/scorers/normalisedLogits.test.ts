import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createScorer, withNormalisedLogits } from '../../../src/core/scorers';
import { UserInputError } from '../../../src/core/errors';
import { LOGITS_LAYER } from '../../../src/core/models/types';
import { evaluationTable, renderMarkdown } from '../../../src/core/evaluate/report';
import type { EvaluationResult } from '../../../src/core/evaluate/results';

before(async () => {
  await tf.setBackend('cpu');
});

/** Logits = the 2-D input itself (identity kernel, zero bias), features the flattened input. */
function identityLogitModel(): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, 2] });
  const features = tf.layers.flatten({ name: 'flat' }).apply(input) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, name: LOGITS_LAYER, kernelInitializer: 'identity', biasInitializer: 'zeros' }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features] });
}

test('scores on f / (tau ||f||) match the hand-computed values, whatever the scale of f, without leaks', () => {
  const model = identityLogitModel();
  const wrapped = withNormalisedLogits(model, 0.5);
  // f = (3, 4): ||f|| = 5, f / (0.5 * 5) = (1.2, 1.6); f = (30, 40) normalises to the same vector.
  const images = tf.tensor4d([3, 4, 30, 40], [2, 1, 1, 2]);
  const before = tf.memory().numTensors;
  const msp = createScorer('msp').score(wrapped, images);
  const maxLogit = createScorer('maxlogit').score(wrapped, images);
  const energy = createScorer('energy').score(wrapped, images);
  assert.equal(tf.memory().numTensors, before);
  // MSP = e^1.6 / (e^1.2 + e^1.6) = 1 / (1 + e^-0.4) = 0.598688; max logit 1.6;
  // energy (T = 1) = log(e^1.2 + e^1.6) = 1.6 + log(1 + e^-0.4) = 2.113015.
  for (const i of [0, 1]) {
    assert.ok(Math.abs(msp[i] - 0.598688) < 1e-5, `msp ${msp[i]}`);
    assert.ok(Math.abs(maxLogit[i] - 1.6) < 1e-5, `maxlogit ${maxLogit[i]}`);
    assert.ok(Math.abs(energy[i] - 2.113015) < 1e-5, `energy ${energy[i]}`);
  }
  // The raw model is untouched: MSP of (3, 4) is 1 / (1 + e^-1) = 0.731059, of (30, 40) 1 / (1 + e^-10).
  const raw = createScorer('msp').score(model, images);
  assert.ok(Math.abs(raw[0] - 0.731059) < 1e-5 && Math.abs(raw[1] - 1 / (1 + Math.exp(-10))) < 1e-5, `raw msp ${raw[0]}, ${raw[1]}`);
  images.dispose();
  model.dispose();
});

test('a tau that is not a temperature is a user error', () => {
  const model = identityLogitModel();
  for (const tau of [0, -1, Number.NaN]) assert.throws(() => withNormalisedLogits(model, tau), UserInputError);
  model.dispose();
});

test('the evaluation table shows the normalised-logit metrics beside the raw ones, "-" where a scorer has none', () => {
  const row = (scorer: string, fpr95: number, normalised?: number) => ({
    scorer, oodSet: 'gaussian', fpr95, auroc: 0.9, auprIn: 0.9, auprOut: 0.9,
    histogram: { id: { min: 0, max: 1, edges: [0, 1], counts: [1] }, ood: { min: 0, max: 1, edges: [0, 1], counts: [1] } },
    ...(normalised === undefined ? {} : { normalised: { tau: 0.04, fpr95: normalised, auroc: 0.99, auprIn: 0.99, auprOut: 0.99 } }),
  });
  const result = { runId: 'r', checkpoint: { epoch: 1, dir: '/r' }, results: [row('msp', 0.5, 0.1), row('gradnorm', 0.3)] } as unknown as EvaluationResult;
  const table = evaluationTable(result);
  assert.deepEqual(table.columns.slice(4), ['FPR95 normalised', 'AUROC normalised']);
  // No '|' in a column name: every Markdown line splits into 8 columns (+ the empty ends).
  const markdown = renderMarkdown([table]).split('\n').filter((line) => line.startsWith('|'));
  assert.ok(markdown.every((line) => line.split('|').length === 8 + 2), markdown.join('\n'));
  assert.deepEqual(table.rows[0].cells.slice(4).map((c) => c?.mean), [0.1, 0.99]);
  assert.deepEqual(table.rows[1].cells.slice(4), [null, null]);
});
