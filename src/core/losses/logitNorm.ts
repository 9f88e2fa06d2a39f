import * as tf from '@tensorflow/tfjs';
import { crossEntropyLoss } from './crossEntropy';

/** The paper's stabiliser, added to the norm (Eq. 4 and the official code). */
export const LOGIT_NORM_EPS = 1e-7;
import { DEFAULT_TAU } from './defaults';

export { DEFAULT_TAU };

/** Per-row L2 norm of the logits, shape [N, 1]. */
export function logitNorms(logits: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(logits), 1, true)) as tf.Tensor2D);
}

/**
 * LogitNorm (Wei et al. 2022, Eq. 4): cross-entropy on f / (tau * (||f|| + 1e-7)). The loss does
 * not depend on the scale of f, so every normalised logit vector has norm 1/tau.
 */
export function logitNormLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, options: { tau?: number } = {}): tf.Scalar {
  const tau = options.tau ?? DEFAULT_TAU;
  if (!(tau > 0)) throw new RangeError(`tau must be > 0, got ${tau}`);
  return tf.tidy(() => {
    const norms = tf.add(logitNorms(logits), LOGIT_NORM_EPS);
    const normalised = tf.div(logits, tf.mul(norms, tau)) as tf.Tensor2D;
    return crossEntropyLoss(normalised, labels);
  });
}

/**
 * Proposition 3.3: the per-sample LogitNorm loss is at least log(1 + (k - 1) e^(-2/tau)).
 */
export function logitNormLowerBound(numClasses: number, tau: number): number {
  return Math.log1p((numClasses - 1) * Math.exp(-2 / tau));
}
