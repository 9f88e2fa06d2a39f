import * as tf from '@tensorflow/tfjs';
import type { LossEntry, LossOptions } from '../losses';
import { forward } from './forward';

/** One shard's share of a training step: its loss, gradients and counts, all means over the shard. */
export interface ShardResult {
  /** Mean loss over the shard. */
  value: tf.Scalar;
  /** Gradient of the shard's mean loss, by variable name. */
  grads: Record<string, tf.Tensor>;
  /** Images whose argmax is the label. */
  correct: tf.Scalar;
  /** Sum over the shard of the raw logit norms. */
  normSum: tf.Scalar;
}

/**
 * The forward and backward pass of one batch (or one shard of it), the same computation in the
 * single-process trainer and in every data-parallel worker. The caller disposes the result.
 */
export function shardGradients(model: tf.LayersModel, variables: tf.Variable[], x: tf.Tensor4D, y: tf.Tensor1D, loss: LossEntry, options: LossOptions): ShardResult {
  let correct: tf.Scalar | undefined;
  let normSum: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const { logits } = forward(model, x, true);
    correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')) as tf.Scalar);
    normSum = tf.keep(tf.sum(tf.sqrt(tf.sum(tf.square(logits), 1))) as tf.Scalar);
    return loss.fn(logits, y, options);
  }, variables);
  // variableGrads ran the function, so both are set.
  return { value, grads, correct: correct as tf.Scalar, normSum: normSum as tf.Scalar };
}
