import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  createScorer, fitSharedGaussian, idTrainingDataFromImageSet, idTrainingDataFromTensor, percentile, collectFeatures,
} from '../../../src/core/scorers';
import { LOGITS_LAYER } from '../../../src/core/models/types';
import { UserInputError } from '../../../src/core/errors';
import type { ImageSet } from '../../../src/core/data/types';
import { assertClose, buildToyModel, logSumExp, outputsOf, randomImages, withoutLeak, type ToyShape } from './toyModel';
import { seededRandom } from '../metrics/random';

before(async () => {
  await tf.setBackend('cpu');
});

const shape: ToyShape = { height: 4, width: 4, channels: 1, featureDim: 6, numClasses: 3, seed: 41 };

function trainingSet(n: number, seed: number) {
  const images = randomImages(shape, n, seed, 2);
  const labels = Int32Array.from({ length: n }, (_, i) => i % shape.numClasses);
  return { images, labels, data: idTrainingDataFromTensor(images, labels, shape.numClasses, 7) };
}

/** numpy.percentile(values, p) with linear interpolation, written separately from the scorer's. */
function numpyPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] * (1 - (rank - lo)) + sorted[hi] * (rank - lo);
}

test('percentile by hand: [1..5] at 90 -> rank 3.6 -> 4.6; at 0 and 100 the ends', () => {
  const v = Float32Array.from([5, 1, 4, 2, 3]);
  assert.ok(Math.abs(percentile(v, 90) - 4.6) < 1e-6);
  assert.equal(percentile(v, 0), 1);
  assert.equal(percentile(v, 100), 5);
});

test('react: clip at the ID percentile, logits through the logits layer, energy — vs plain JS', async () => {
  const model = buildToyModel(shape);
  const train = trainingSet(40, 1);
  const test_ = randomImages(shape, 9, 2, 4); // wider inputs, so some activations pass the clip
  const [kernelT, biasT] = model.getLayer(LOGITS_LAYER).getWeights();
  const kernel = kernelT.arraySync() as number[][];
  const bias = biasT.arraySync() as number[];
  for (const options of [{}, { percentile: 75, temperature: 0.5 }]) {
    const p = (options as { percentile?: number }).percentile ?? 90;
    const t = (options as { temperature?: number }).temperature ?? 1;
    const scorer = createScorer('react', options);
    await scorer.fit!(model, train.data);
    const clipAt = numpyPercentile(outputsOf(model, train.images).features.flat(), p);
    assert.ok(Math.abs((scorer.settings.clipAt as number) - clipAt) < 1e-6);
    const scores = withoutLeak('react', () => scorer.score(model, test_));
    const { features } = outputsOf(model, test_);
    assert.ok(features.flat().some((v) => v > clipAt), 'the test batch exercises the clip');
    const expected = features.map((h) => {
      const clipped = h.map((v) => Math.min(v, clipAt));
      const f = bias.map((b, j) => b + clipped.reduce((s, v, m) => s + v * kernel[m][j], 0));
      return t * logSumExp(f.map((v) => v / t));
    });
    assertClose(scores, expected, 1e-5, `react ${JSON.stringify(options)}`);
  }
  tf.dispose([train.images, test_]);
  model.dispose();
});

test('knn: minus the k-th smallest distance between L2-normalised features — vs brute force', async () => {
  const model = buildToyModel(shape);
  const train = trainingSet(30, 3);
  const test_ = randomImages(shape, 6, 4, 2);
  const normalise = (v: number[]) => {
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) + 1e-10;
    return v.map((x) => x / norm);
  };
  const bank = outputsOf(model, train.images).features.map(normalise);
  const queries = outputsOf(model, test_).features.map(normalise);
  for (const k of [1, 5, 30]) {
    const scorer = createScorer('knn', { neighbours: k });
    const baseline = tf.memory().numTensors;
    await scorer.fit!(model, train.data);
    const scores = withoutLeak('knn', () => scorer.score(model, test_));
    const expected = queries.map((q) => {
      const distances = bank.map((b) => Math.sqrt(b.reduce((s, x, i) => s + (x - q[i]) ** 2, 0))).sort((a, b) => a - b);
      return -distances[k - 1];
    });
    assertClose(scores, expected, 2e-4, `knn k=${k}`); // sqrt near 0 amplifies float32 rounding
    scorer.dispose!();
    assert.equal(tf.memory().numTensors, baseline, 'dispose frees the bank');
  }
  const tooFew = createScorer('knn', { neighbours: 31 });
  await assert.rejects(tooFew.fit!(model, train.data), UserInputError);
  assert.throws(() => createScorer('knn').score(model, test_), /fit\(\) must run before score\(\)/);
  tf.dispose([train.images, test_]);
  model.dispose();
});

/** A model whose features are its 2-D input itself (identity kernel, zero bias), for hand cases. */
function identityFeatureModel(): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, 2] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const features = tf.layers.dense({ units: 2, name: 'features', kernelInitializer: 'identity', biasInitializer: 'zeros' }).apply(flat) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, name: LOGITS_LAYER }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features] });
}

const points = (xy: number[][]) => tf.tensor4d(xy.flat(), [xy.length, 1, 1, 2]);

test('mahalanobis by hand on a 2-D toy: class means (1,1) and (6,6), shared covariance I', async () => {
  // Class 0: (0,0) (2,0) (0,2) (2,2), mean (1,1); class 1: (5,5) (7,5) (5,7) (7,7), mean (6,6).
  // Deviations are (+-1, +-1) with every sign pair once: var x = var y = 1, cov = 0 -> Sigma = I,
  // so (with ridge 0) the distance is Euclidean:
  //   (1,1): 0 to class 0 -> score 0.
  //   (3,1): (2,0) to class 0 -> 2; (-3,-5) to class 1 -> sqrt 34 -> score -2.
  //   (6,9): (0,3) to class 1 -> 3 -> score -3.
  //   (-2,5): (-3,4) to class 0 -> 5; (-8,-1) to class 1 -> sqrt 65 -> score -5.
  const model = identityFeatureModel();
  const trainImages = points([[0, 0], [2, 0], [0, 2], [2, 2], [5, 5], [7, 5], [5, 7], [7, 7]]);
  const data = idTrainingDataFromTensor(trainImages, [0, 0, 0, 0, 1, 1, 1, 1], 2, 3);
  const scorer = createScorer('mahalanobis', { ridge: 0 });
  await scorer.fit!(model, data);
  const testImages = points([[1, 1], [3, 1], [6, 9], [-2, 5]]);
  assertClose(withoutLeak('mahalanobis', () => scorer.score(model, testImages)), [0, -2, -3, -5], 1e-5, 'hand toy');
  // The default relative ridge 1e-6 (trace / dim = 1 here) scales distances by 1/sqrt(1 + 1e-6).
  const ridged = createScorer('mahalanobis');
  await ridged.fit!(model, data);
  assertClose(ridged.score(model, testImages), [0, -2, -3, -5].map((d) => d / Math.sqrt(1 + 1e-6)), 1e-6, 'ridged');
  scorer.dispose!();
  ridged.dispose!();
  tf.dispose([trainImages, testImages]);
  model.dispose();
});

test('mahalanobis on a correlated 2-D toy vs a direct JS computation with the 2x2 inverse', async () => {
  const random = seededRandom(17);
  const xy: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 60; i++) {
    const c = i % 3;
    const a = random() * 2 - 1;
    const b = random() * 2 - 1;
    xy.push([3 * c + a + 0.8 * b, -2 * c + 0.5 * b]); // correlated, anisotropic noise
    labels.push(c);
  }
  const model = identityFeatureModel();
  const trainImages = points(xy);
  const scorer = createScorer('mahalanobis');
  await scorer.fit!(model, idTrainingDataFromTensor(trainImages, labels, 3, 16));
  const queries = [[0, 0], [3, -2], [10, 10], [-4, 1], [1.5, -1]];
  const testImages = points(queries);
  const scores = scorer.score(model, testImages);
  // Direct: means, Sigma = 1/N sum of outer products of deviations, + ridge (1e-6 * trace / 2) I, inverse.
  const means = [0, 1, 2].map((c) => {
    const members = xy.filter((_, i) => labels[i] === c);
    return [0, 1].map((d) => members.reduce((s, p) => s + p[d], 0) / members.length);
  });
  let sxx = 0, sxy = 0, syy = 0;
  xy.forEach((p, i) => {
    const dx = p[0] - means[labels[i]][0];
    const dy = p[1] - means[labels[i]][1];
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy;
  });
  sxx /= xy.length; sxy /= xy.length; syy /= xy.length;
  const ridge = 1e-6 * (sxx + syy) / 2;
  const [a, b, d] = [sxx + ridge, sxy, syy + ridge];
  const det = a * d - b * b;
  const inverse = [[d / det, -b / det], [-b / det, a / det]];
  const expected = queries.map((q) => -Math.sqrt(Math.min(...means.map((m) => {
    const v = [q[0] - m[0], q[1] - m[1]];
    return v[0] * (inverse[0][0] * v[0] + inverse[0][1] * v[1]) + v[1] * (inverse[1][0] * v[0] + inverse[1][1] * v[1]);
  }))));
  assertClose(scores, expected, 1e-4, 'correlated toy');
  scorer.dispose!();
  tf.dispose([trainImages, testImages]);
  model.dispose();
});

test('mahalanobis on real network features: a dead unit makes Sigma singular; the ridge still inverts it', async () => {
  // Feature 0 is 0 for every training sample -> its variance is 0 -> Sigma singular.
  const count = 12;
  const dim = 3;
  const features = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  const random = seededRandom(5);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    features[i * dim + 1] = random();
    features[i * dim + 2] = random() + labels[i];
  }
  const fit = fitSharedGaussian({ features, labels, count, dim }, 2, 0);
  assert.ok(fit.ridge > 0, 'ridge raised from 0');
  assert.ok(fit.whitening.every(Number.isFinite));
  assert.throws(() => fitSharedGaussian({ features, labels: Int32Array.from(labels, (y) => (y === 1 ? 5 : 0)), count, dim }, 2, 0), UserInputError);
});

test('every scorer leaves tf.memory unchanged after score, and after fit + dispose', async () => {
  const model = buildToyModel(shape);
  const train = trainingSet(60, 8);
  const test_ = randomImages(shape, 5, 9);
  for (const name of ['msp', 'maxlogit', 'energy', 'odin', 'gradnorm', 'react', 'knn', 'mahalanobis']) {
    const baseline = tf.memory().numTensors;
    const scorer = createScorer(name);
    if (scorer.fit) await scorer.fit(model, train.data);
    const scores = withoutLeak(name, () => scorer.score(model, test_));
    assert.equal(scores.length, 5, name);
    assert.ok(scores.every(Number.isFinite), name);
    scorer.dispose?.();
    scorer.dispose?.(); // twice is harmless
    assert.equal(tf.memory().numTensors, baseline, `${name} fit + dispose`);
  }
  tf.dispose([train.images, test_]);
  model.dispose();
});

test('ID training data from an ImageSet: normalised per batch, evenly sampled, batches disposed', async () => {
  // 10 grey 1x2 images; image i has bytes [i * 20, 255 - i * 20], label i % 2.
  const set: ImageSet = {
    name: 'toy',
    images: Uint8Array.from({ length: 20 }, (_, p) => (p % 2 === 0 ? (p / 2) * 20 : 255 - ((p - 1) / 2) * 20)),
    labels: Int32Array.from({ length: 10 }, (_, i) => i % 2),
    count: 10,
    height: 1,
    width: 2,
    channels: 1,
  };
  const data = idTrainingDataFromImageSet(set, { mean: [0.5], std: [0.25] }, 2, { batchSize: 2, limit: 5 });
  assert.equal(data.count, 5);
  const baseline = tf.memory().numTensors;
  const seen: number[][] = [];
  const seenLabels: number[] = [];
  for (const batch of data.batches() as Iterable<{ images: tf.Tensor4D; labels: Int32Array }>) {
    seen.push(...tf.tidy(() => batch.images.reshape([-1, 2]).arraySync() as number[][]));
    seenLabels.push(...batch.labels);
  }
  assert.equal(tf.memory().numTensors, baseline, 'every batch disposed');
  // limit 5 of 10 -> images 0, 2, 4, 6, 8; value (b / 255 - 0.5) / 0.25.
  const expected = [0, 2, 4, 6, 8].map((i) => [((i * 20) / 255 - 0.5) / 0.25, ((255 - i * 20) / 255 - 0.5) / 0.25]);
  assertClose(seen.flat(), expected.flat(), 1e-6, 'normalised pixels');
  assert.deepEqual(seenLabels, [0, 0, 0, 0, 0]);
  // Leaving the loop early disposes the current batch too.
  for (const batch of data.batches() as Iterable<{ images: tf.Tensor4D }>) {
    assert.equal(batch.images.shape[0], 2);
    break;
  }
  assert.equal(tf.memory().numTensors, baseline);
  assert.throws(() => idTrainingDataFromImageSet(set, { mean: [0.5, 0.5], std: [0.25, 0.25] }, 2), UserInputError);
  // collectFeatures pulls [count, dim] features through a model in input order.
  const input = tf.input({ shape: [1, 2, 1] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, name: LOGITS_LAYER }).apply(flat) as tf.SymbolicTensor;
  const twoOutputs = tf.model({ inputs: input, outputs: [logits, flat] });
  const sample = await collectFeatures(twoOutputs, data);
  assert.equal(sample.count, 5);
  assert.equal(sample.dim, 2);
  assertClose(sample.features, expected.flat(), 1e-6, 'features = flattened input');
  assert.equal(tf.memory().numTensors, baseline + 2, 'nothing but the new dense layer\'s kernel and bias');
  twoOutputs.dispose();
});
