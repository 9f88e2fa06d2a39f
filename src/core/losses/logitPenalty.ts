import * as tf from '@tensorflow/tfjs';
import { crossEntropyLoss } from './crossEntropy';
import { logitNorms } from './logitNorm';

export const DEFAULT_LAMBDA = 0.05;

/**
 * LogitPenalty (section 5 of the paper): cross-entropy plus lambda times the mean L2 norm of the
 * logits, the Lagrangian form of "keep ||f|| constant" that the paper shows works less well.
 */
export function logitPenaltyLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, options: { lambda?: number } = {}): tf.Scalar {
  const lambda = options.lambda ?? DEFAULT_LAMBDA;
  if (!(lambda >= 0)) throw new RangeError(`lambda must be >= 0, got ${lambda}`);
  return tf.tidy(() => tf.add(crossEntropyLoss(logits, labels), tf.mul(tf.mean(logitNorms(logits)), lambda)) as tf.Scalar);
}
