import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createScorer, odinPerturbation } from '../../../src/core/scorers';
import { UserInputError } from '../../../src/core/errors';
import { assertClose, buildToyModel, randomImages, softmax, withoutLeak, type ToyShape } from './toyModel';

before(async () => {
  await tf.setBackend('cpu');
});

// Two channels, so the per-channel std division is visible.
const shape: ToyShape = { height: 3, width: 3, channels: 2, featureDim: 5, numClasses: 4, seed: 31 };

/** The toy model's weights as plain arrays: W1 [18, 5], b1, W2 [5, 4], b2. */
function weightsOf(model: tf.LayersModel) {
  const [w1, b1] = model.getLayer('penultimate').getWeights().map((t) => t.arraySync());
  const [w2, b2] = model.getLayer('logits').getWeights().map((t) => t.arraySync());
  return { w1: w1 as number[][], b1: b1 as number[], w2: w2 as number[][], b2: b2 as number[] };
}

/**
 * ODIN written out by hand for the toy network, in double precision, with the gradient by the
 * chain rule (no tfjs): x flat (NHWC order), z = x W1 + b1, h = relu(z), f = h W2 + b2,
 * c = argmax f, L = -log softmax(f / T)_c, dL/df = (softmax(f / T) - e_c) / T,
 * dL/dx = W1 ((W2 dL/df) * [z > 0]); x' = x - eps * sign>=(dL/dx) / std[channel].
 */
function odinByHand(model: tf.LayersModel, x: number[], temperature: number, epsilon: number, std: number[]) {
  const { w1, b1, w2, b2 } = weightsOf(model);
  const forward = (input: number[]) => {
    const z = b1.map((b, m) => b + input.reduce((s, v, i) => s + v * w1[i][m], 0));
    const h = z.map((v) => Math.max(0, v));
    const f = b2.map((b, j) => b + h.reduce((s, v, m) => s + v * w2[m][j], 0));
    return { z, f };
  };
  const { z, f } = forward(x);
  const c = f.indexOf(Math.max(...f));
  const p = softmax(f, temperature);
  const dF = p.map((pj, j) => (pj - (j === c ? 1 : 0)) / temperature);
  const dZ = z.map((zm, m) => (zm > 0 ? dF.reduce((s, g, j) => s + w2[m][j] * g, 0) : 0));
  const gradient = x.map((_, i) => dZ.reduce((s, g, m) => s + w1[i][m] * g, 0));
  const perturbed = x.map((v, i) => v - (epsilon * (gradient[i] >= 0 ? 1 : -1)) / std[i % std.length]);
  const score = Math.max(...softmax(forward(perturbed).f, temperature));
  return { gradient, perturbed, score };
}

const settingsToCheck = [
  { temperature: 1000, epsilon: 0.0014, inputStd: [0.25, 0.5], tolerance: 2e-7 }, // the paper's setting
  { temperature: 2, epsilon: 0.05, inputStd: [0.25, 0.5], tolerance: 1e-5 }, // a step big enough to move MSP a lot
  { temperature: 1, epsilon: 0.1, inputStd: [] as number[], tolerance: 1e-5 }, // normalised units
];

test('ODIN: perturbation direction and score equal a hand-derived chain-rule computation', () => {
  const model = buildToyModel(shape);
  const images = randomImages(shape, 8, 4, 2);
  const flatRows = (images.reshape([8, -1]).arraySync() as number[][]);
  for (const s of settingsToCheck) {
    const scorer = createScorer('odin', { temperature: s.temperature, epsilon: s.epsilon, ...(s.inputStd.length ? { inputStd: s.inputStd } : {}) });
    const scores = withoutLeak('odin score', () => scorer.score(model, images));
    const perturbed = tf.tidy(() => odinPerturbation(model, images, s).reshape([8, -1]).arraySync() as number[][]);
    const byHand = flatRows.map((x) => odinByHand(model, x, s.temperature, s.epsilon, s.inputStd.length ? s.inputStd : [1]));
    let compared = 0;
    byHand.forEach((h, n) => {
      const maxGradient = Math.max(...h.gradient.map(Math.abs));
      h.gradient.forEach((g, i) => {
        // Skip components too small for float32 to agree on the sign of.
        if (Math.abs(g) < 1e-4 * maxGradient) return;
        assert.ok(Math.abs(perturbed[n][i] - h.perturbed[i]) < 1e-5, `T=${s.temperature} sample ${n} pixel ${i}`);
        compared++;
      });
    });
    assert.ok(compared > 8 * 18 * 0.8, `compared ${compared} pixels`);
    assertClose(scores, byHand.map((h) => h.score), s.tolerance, `ODIN T=${s.temperature}`);
  }
  images.dispose();
  model.dispose();
});

test('ODIN: the step raises the max softmax; epsilon 0 is MSP at temperature T', () => {
  const model = buildToyModel(shape);
  const images = randomImages(shape, 8, 6, 2);
  const msp = createScorer('msp', { temperature: 2 }).score(model, images);
  const odin = createScorer('odin', { temperature: 2, epsilon: 0.01 }).score(model, images);
  odin.forEach((v, i) => assert.ok(v > msp[i], `sample ${i}: ${v} <= ${msp[i]}`));
  const noStep = createScorer('odin', { temperature: 2, epsilon: 0 }).score(model, images);
  assertClose(noStep, msp, 1e-6, 'epsilon 0');
  // One std for all channels is the same as that std per channel.
  const a = createScorer('odin', { inputStd: 0.3 }).score(model, images);
  const b = createScorer('odin', { inputStd: [0.3, 0.3] }).score(model, images);
  assert.deepEqual(a, b);
  assert.throws(() => createScorer('odin', { inputStd: [0.3, 0.3, 0.3] }).score(model, images), UserInputError);
  assert.throws(() => createScorer('odin', { inputStd: [0.3, 0] }), UserInputError);
  images.dispose();
  model.dispose();
});

test('ODIN takes the input normalisation from the evaluation\'s setup (options win); other scorers get the same setup and ignore it', () => {
  const model = buildToyModel(shape);
  const images = randomImages(shape, 8, 4, 2);
  const std = [0.25, 0.5];
  const flatRows = images.reshape([8, -1]).arraySync() as number[][];
  const byHand = flatRows.map((x) => odinByHand(model, x, 1000, 0.0014, std).score);
  const fromSetup = createScorer('odin', {}, { inputStd: std });
  assert.deepEqual(fromSetup.settings, { temperature: 1000, epsilon: 0.0014, inputStd: std });
  assertClose(withoutLeak('odin score', () => fromSetup.score(model, images)), byHand, 2e-7, 'ODIN with the setup\'s std');
  assert.deepEqual(createScorer('odin', { inputStd: [1, 1] }, { inputStd: std }).settings, { temperature: 1000, epsilon: 0.0014, inputStd: [1, 1] }, 'the user\'s option wins');
  for (const name of ['msp', 'energy', 'maxlogit', 'gradnorm']) assert.doesNotThrow(() => createScorer(name, {}, { inputStd: std }), name);
  images.dispose();
  model.dispose();
});
