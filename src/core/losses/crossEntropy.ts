import * as tf from '@tensorflow/tfjs';

/**
 * Mean softmax cross-entropy over the batch: -log softmax(logits)[label], through logSoftmax so
 * large logits do not overflow.
 */
export function crossEntropyLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const logProbabilities = tf.logSoftmax(logits);
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), k).asType('float32');
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbabilities), 1))) as tf.Scalar;
  });
}
