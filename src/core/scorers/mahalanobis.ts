import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { choleskyLower, lowerTriangularInverse } from './cholesky';
import { collectFeatures, modelScorerOutputs, requireFeatures, scoresOf, type FeatureSample } from './forward';
import { positiveOption, rejectOtherOptions } from './scorerOptions';
import type { Scorer, ScorerFactory, ScorerOptions, ScorerOutputs } from './types';

/** Rows per matrix product when the covariance is accumulated (bounds the memory of a step). */
const COVARIANCE_CHUNK = 4096;

/** Class means and the whitening that turns Mahalanobis distances into Euclidean ones. */
export interface GaussianFit {
  /** The classes that had training samples (a class with none has no mean and is left out). */
  readonly classes: number[];
  /** Means of those classes, row-major [classes.length, dim]. */
  readonly means: Float64Array;
  /** Shared covariance (maximum likelihood, divided by N), row-major [dim, dim], before the ridge. */
  readonly covariance: Float64Array;
  /** The ridge actually added to the diagonal (absolute). */
  readonly ridge: number;
  /** W = L^-1 with L L^T = covariance + ridge I, so d^2(h, mu) = ||W (h - mu)||^2. Row-major [dim, dim]. */
  readonly whitening: Float64Array;
  readonly dim: number;
}

/**
 * Fits class-conditional Gaussians with a shared covariance to features (Lee et al. 2018): the mean
 * of each class and Sigma = 1/N sum_i (h_i - mu_{y_i})(h_i - mu_{y_i})^T. Then inverts
 * Sigma + ridge I through its Cholesky factor; ridge = relativeRidge * trace(Sigma) / dim, raised
 * tenfold until the factorisation succeeds (dead ReLU units make Sigma singular).
 */
export function fitSharedGaussian(sample: FeatureSample, numClasses: number, relativeRidge: number): GaussianFit {
  const { features, labels, count, dim } = sample;
  const sums = new Float64Array(numClasses * dim);
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < count; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new UserInputError(`ID training label ${y} at index ${i} is not a class: expected 0..${numClasses - 1}`, String(y), `0..${numClasses - 1}`);
    }
    counts[y]++;
    for (let d = 0; d < dim; d++) sums[y * dim + d] += features[i * dim + d];
  }
  const classMeans = new Float64Array(numClasses * dim);
  for (let c = 0; c < numClasses; c++) {
    if (counts[c] > 0) for (let d = 0; d < dim; d++) classMeans[c * dim + d] = sums[c * dim + d] / counts[c];
  }
  // Centred on their own class mean (in double, then float32 for the product), so the
  // covariance needs no E[hh^T] - mu mu^T subtraction with its cancellation.
  const covariance = new Float64Array(dim * dim);
  for (let start = 0; start < count; start += COVARIANCE_CHUNK) {
    const rows = Math.min(COVARIANCE_CHUNK, count - start);
    const centred = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const y = labels[start + r];
      for (let d = 0; d < dim; d++) centred[r * dim + d] = features[(start + r) * dim + d] - classMeans[y * dim + d];
    }
    const product = tf.tidy(() => {
      const x = tf.tensor2d(centred, [rows, dim]);
      return tf.matMul(x, x, true, false);
    });
    const values = product.dataSync();
    product.dispose();
    for (let k = 0; k < dim * dim; k++) covariance[k] += values[k];
  }
  for (let k = 0; k < dim * dim; k++) covariance[k] /= count;

  let trace = 0;
  for (let d = 0; d < dim; d++) trace += covariance[d * dim + d];
  const scale = trace > 0 ? trace / dim : 1;
  let ridge = relativeRidge * scale;
  let lower: Float64Array | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    const regularised = covariance.slice();
    for (let d = 0; d < dim; d++) regularised[d * dim + d] += ridge;
    lower = choleskyLower(regularised, dim);
    if (lower) break;
    ridge = Math.max(ridge * 10, 1e-10 * scale);
  }
  if (!lower) throw new Error(`mahalanobis: the covariance stays singular with ridge ${ridge}`);

  const classes: number[] = [];
  for (let c = 0; c < numClasses; c++) if (counts[c] > 0) classes.push(c);
  const means = new Float64Array(classes.length * dim);
  classes.forEach((c, row) => means.set(classMeans.subarray(c * dim, (c + 1) * dim), row * dim));
  return { classes, means, covariance, ridge, whitening: lowerTriangularInverse(lower, dim), dim };
}

/**
 * Mahalanobis (Lee et al. 2018, penultimate layer only, no input perturbation): the score is
 * minus the smallest Mahalanobis distance sqrt((h - mu_c)^T (Sigma + ridge I)^-1 (h - mu_c)) over
 * the classes c. (Lee et al. rank by -d^2 / 2; the ranking is the same.) The ridge is relative to
 * the mean variance, default 1e-6.
 */
export function createMahalanobis(options: ScorerOptions = {}): Scorer {
  rejectOtherOptions('mahalanobis', options, ['ridge']);
  const relativeRidge = positiveOption('mahalanobis', 'ridge', options.ridge ?? 1e-6, true);
  let whiteningT: tf.Tensor2D | undefined; // W^T [d, d]: a row h maps to h W^T
  let whitenedMeans: tf.Tensor2D | undefined; // [C, d]: rows mu_c W^T
  const settings: Record<string, number> = { ridge: relativeRidge };
  const release = () => {
    whiteningT?.dispose();
    whitenedMeans?.dispose();
    whiteningT = whitenedMeans = undefined;
  };
  const fitFeatures = (sample: FeatureSample, numClasses: number) => {
    const gaussian = fitSharedGaussian(sample, numClasses, relativeRidge);
    const { dim } = gaussian;
    release();
    whiteningT = tf.tidy(() => tf.transpose(tf.tensor2d(Float32Array.from(gaussian.whitening), [dim, dim])) as tf.Tensor2D);
    whitenedMeans = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(gaussian.means), [gaussian.classes.length, dim]), whiteningT!) as tf.Tensor2D);
    settings.absoluteRidge = gaussian.ridge;
  };
  const fromOutputs = (outputs: ScorerOutputs) => {
    if (!whiteningT || !whitenedMeans) throw new Error('mahalanobis: fit() must run before score()');
    const z = tf.matMul(requireFeatures(outputs, 'mahalanobis'), whiteningT); // [N, d]
    // Direct differences [N, C, d] rather than ||z||^2 - 2 z.m + ||m||^2, which cancels badly.
    const squared = tf.sum(tf.square(tf.sub(tf.expandDims(z, 1), tf.expandDims(whitenedMeans, 0))), 2);
    return tf.neg(tf.sqrt(tf.min(squared, 1)));
  };
  return {
    name: 'mahalanobis',
    settings,
    async fit(model, idTrain) {
      fitFeatures(await collectFeatures(model, idTrain), idTrain.numClasses);
    },
    fitFeatures,
    score: (model, images) => scoresOf(() => fromOutputs(modelScorerOutputs(model, images))),
    scoreOutputs: (outputs) => scoresOf(() => fromOutputs(outputs)),
    dispose: release,
  };
}

export const MAHALANOBIS: ScorerFactory = {
  title: 'Mahalanobis (class means, shared covariance)',
  defaults: { ridge: 1e-6 },
  needsFit: true,
  requires: { features: true },
  create: createMahalanobis,
};
