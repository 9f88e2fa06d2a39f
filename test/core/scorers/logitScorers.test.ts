import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createScorer, gradNormOfOutputs, logitsLayerWeights } from '../../../src/core/scorers';
import { LOGITS_LAYER } from '../../../src/core/models/types';
import { assertClose, buildToyModel, logSumExp, outputsOf, randomImages, softmax, withoutLeak, type ToyShape } from './toyModel';
import { seededRandom } from '../metrics/random';

before(async () => {
  await tf.setBackend('cpu');
});

const shape: ToyShape = { height: 4, width: 4, channels: 1, featureDim: 6, numClasses: 3, seed: 11 };

test('msp, maxlogit and energy match plain-JS formulas on the model\'s own logits, without leaks', () => {
  const model = buildToyModel(shape);
  const images = randomImages(shape, 12, 5, 3);
  const { logits } = outputsOf(model, images);
  const cases: Array<{ name: string; options?: Record<string, number>; expected: (f: number[]) => number }> = [
    { name: 'msp', expected: (f) => Math.max(...softmax(f)) },
    { name: 'msp', options: { temperature: 0.5 }, expected: (f) => Math.max(...softmax(f, 0.5)) },
    { name: 'maxlogit', expected: (f) => Math.max(...f) },
    { name: 'energy', expected: (f) => logSumExp(f) },
    // T * logsumexp(f / T) with T = 0.1 and 0.01 (the paper's LogitNorm settings): near max f.
    { name: 'energy', options: { temperature: 0.1 }, expected: (f) => 0.1 * logSumExp(f.map((v) => v / 0.1)) },
    { name: 'energy', options: { temperature: 0.01 }, expected: (f) => 0.01 * logSumExp(f.map((v) => v / 0.01)) },
  ];
  for (const c of cases) {
    const scorer = createScorer(c.name, c.options);
    const scores = withoutLeak(c.name, () => scorer.score(model, images));
    assert.ok(scores instanceof Float32Array);
    assertClose(scores, logits.map(c.expected), 1e-5, `${c.name} ${JSON.stringify(c.options ?? {})}`);
  }
  images.dispose();
  model.dispose();
});

test('energy is stable for huge logits (no overflow at T = 0.01)', () => {
  const logits = tf.tensor2d([[500, 499, -300]]);
  const scorerModelFree = tf.tidy(() => tf.mul(tf.logSumExp(tf.div(logits, 0.01), 1), 0.01).dataSync()[0]);
  assert.ok(Math.abs(scorerModelFree - (500 + 0.01 * Math.log1p(Math.exp(-100)))) < 1e-3);
  logits.dispose();
});

// GradNorm. The closed form ||h||_1 * ||softmax(f / T) - 1/k||_1 / T against automatic differentiation
// of KL(u || softmax(f / T)) with respect to the logits layer's kernel.

/** KL(u || softmax(z)) = sum_j u (log u - log softmax(z)_j), u = 1/k, for one row. */
function klFromUniform(logitsRow: tf.Tensor2D): tf.Scalar {
  const k = logitsRow.shape[1];
  return tf.sum(tf.mul(1 / k, tf.sub(Math.log(1 / k), tf.logSoftmax(logitsRow)))) as tf.Scalar;
}

test('gradnorm closed form equals the L1 norm of tf.grad on random features (standalone W)', () => {
  const random = seededRandom(3);
  const d = 7;
  const k = 5;
  const n = 6;
  const features = tf.tensor2d(Float32Array.from({ length: n * d }, () => (random() < 0.3 ? 0 : random() * 2)), [n, d]);
  const kernel = tf.tensor2d(Float32Array.from({ length: d * k }, () => random() * 2 - 1), [d, k]);
  const bias = tf.tensor1d(Float32Array.from({ length: k }, () => random() - 0.5));
  for (const temperature of [1, 0.5, 3]) {
    const closed = tf.tidy(() => gradNormOfOutputs(features, tf.add(tf.matMul(features, kernel), bias) as tf.Tensor2D, temperature).dataSync());
    const autodiff = tf.tidy(() => {
      const norms: number[] = [];
      for (let i = 0; i < n; i++) {
        const h = tf.slice(features, [i, 0], [1, d]) as tf.Tensor2D;
        const g = tf.grad((w: tf.Tensor) => klFromUniform(tf.div(tf.add(tf.matMul(h, w as tf.Tensor2D), bias), temperature) as tf.Tensor2D))(kernel);
        norms.push(tf.sum(tf.abs(g)).dataSync()[0]);
      }
      return norms;
    });
    assertClose(closed, autodiff, 1e-5, `gradnorm T=${temperature}`);
  }
  tf.dispose([features, kernel, bias]);
});

test('gradnorm scorer equals tf.variableGrads through the model\'s logits layer, per sample', () => {
  const model = buildToyModel({ ...shape, seed: 21 });
  const images = randomImages(shape, 5, 9, 2);
  const scorer = createScorer('gradnorm');
  const scores = withoutLeak('gradnorm', () => scorer.score(model, images));
  const kernel = logitsLayerWeights(model).kernel as tf.Variable;
  assert.ok(kernel instanceof tf.Variable, 'the logits kernel is the layer variable');
  const expected: number[] = [];
  for (let i = 0; i < 5; i++) {
    tf.tidy(() => {
      const x = tf.slice(images, [i, 0, 0, 0], [1, -1, -1, -1]);
      const { grads } = tf.variableGrads(() => klFromUniform((model.apply(x, { training: false }) as tf.Tensor[])[0] as tf.Tensor2D), [kernel]);
      expected.push(tf.sum(tf.abs(grads[kernel.name])).dataSync()[0]);
    });
  }
  assertClose(scores, expected, 1e-5, 'gradnorm vs autodiff');
  // And vs the plain-JS closed form on the features and logits read back.
  const { logits, features } = outputsOf(model, images);
  const js = logits.map((f, i) => features[i].reduce((s, v) => s + Math.abs(v), 0) * softmax(f).reduce((s, p) => s + Math.abs(p - 1 / 3), 0));
  assertClose(scores, js, 1e-5, 'gradnorm vs JS');
  images.dispose();
  model.dispose();
});

test('a model without two outputs or without a linear logits layer is a user error', () => {
  const input = tf.input({ shape: [2, 2, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const probs = tf.layers.dense({ units: 2, activation: 'softmax', name: LOGITS_LAYER }).apply(flat) as tf.SymbolicTensor;
  const oneOutput = tf.model({ inputs: input, outputs: probs });
  const images = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
  assert.throws(() => createScorer('msp').score(oneOutput, images), /expected two, \[logits, penultimate features\]/);
  const twoOutputs = tf.model({ inputs: input, outputs: [probs, flat] });
  assert.throws(() => logitsLayerWeights(twoOutputs), /expected a linear Dense layer/);
  images.dispose();
  oneOutput.dispose();
});
