import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { collectFeatures, modelScorerOutputs, requireFeatures, scoresOf, type FeatureSample } from './forward';
import { integerOption, rejectOtherOptions } from './scorerOptions';
import type { Scorer, ScorerFactory, ScorerOptions, ScorerOutputs } from './types';

/** The KNN paper's stabiliser: x / (||x|| + 1e-10). */
const NORM_EPS = 1e-10;

function l2Normalised(features: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(features, tf.add(tf.norm(features, 'euclidean', 1, true), NORM_EPS)) as tf.Tensor2D);
}

/**
 * KNN (Sun et al. 2022): L2-normalise the penultimate features; the score is minus the Euclidean
 * distance from a sample's normalised features to its k-th nearest neighbour (default k = 50) in
 * the bank of normalised ID training features. On unit vectors this is sqrt(2 - 2 cos), so it
 * ranks as cosine similarity would. (The official code, through faiss, reports the squared
 * distance; the ranking is the same.) The bank is every sample `fit` saw: limit the ID sample
 * for big sets, since each scored batch compares against all of it.
 */
export function createKnn(options: ScorerOptions = {}): Scorer {
  rejectOtherOptions('knn', options, ['neighbours']);
  const neighbours = integerOption('knn', 'neighbours', options.neighbours ?? 50, 1);
  let bank: tf.Tensor2D | undefined; // [M, d], unit rows
  let bankSquaredNorms: tf.Tensor1D | undefined; // [M] (1, or 0 for an all-zero feature vector)
  const settings: Record<string, number> = { neighbours };
  const release = () => {
    bank?.dispose();
    bankSquaredNorms?.dispose();
    bank = bankSquaredNorms = undefined;
  };
  const fitFeatures = (sample: FeatureSample) => {
    if (sample.count < neighbours) {
      throw new UserInputError(
        `knn needs at least ${neighbours} ID training samples for k = ${neighbours}, got ${sample.count}`,
        String(sample.count),
        `>= ${neighbours} samples`,
      );
    }
    release();
    bank = tf.tidy(() => l2Normalised(tf.tensor2d(sample.features, [sample.count, sample.dim])));
    bankSquaredNorms = tf.tidy(() => tf.sum(tf.square(bank!), 1) as tf.Tensor1D);
    settings.bankSize = sample.count;
  };
  const fromOutputs = (outputs: ScorerOutputs) => {
    if (!bank || !bankSquaredNorms) throw new Error('knn: fit() must run before score()');
    const query = l2Normalised(requireFeatures(outputs, 'knn'));
    // -||q - b||^2 = 2 q.b - ||q||^2 - ||b||^2, for every pair [N, M]; the k largest are the k nearest.
    const negativeSquared = tf.sub(
      tf.sub(tf.mul(tf.matMul(query, bank, false, true), 2), tf.sum(tf.square(query), 1, true)),
      tf.expandDims(bankSquaredNorms, 0),
    );
    const nearest = tf.topk(negativeSquared, neighbours, true).values; // [N, k], nearest first
    const kth = tf.squeeze(tf.slice(nearest, [0, neighbours - 1], [-1, 1]), [1]);
    return tf.neg(tf.sqrt(tf.relu(tf.neg(kth))));
  };
  return {
    name: 'knn',
    settings,
    async fit(model, idTrain) {
      fitFeatures(await collectFeatures(model, idTrain));
    },
    fitFeatures,
    score: (model, images) => scoresOf(() => fromOutputs(modelScorerOutputs(model, images))),
    scoreOutputs: (outputs) => scoresOf(() => fromOutputs(outputs)),
    dispose: release,
  };
}

export const KNN: ScorerFactory = { title: 'KNN (k-th nearest neighbour distance)', defaults: { neighbours: 50 }, needsFit: true, requires: { features: true }, create: createKnn };
