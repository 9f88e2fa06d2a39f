/**
 * Batch norm's forward pass as two element-wise ops, y = x * a + c with
 * a = scale / sqrt(variance + eps) and c = offset - mean * a (per channel), on the native
 * TensorFlow backends and on wasm. tfjs-node runs TensorFlow's FusedBatchNorm op in inference
 * mode, which takes 30 ms on one [128,28,28,32] activation on these CPUs (V3 the same) against
 * 2 ms this way; wasm's own kernel takes 15 ms against 5. It was the largest cost of a
 * batch-norm CNN's training step on tfjs-node. The gradient is tfjs-core's, unchanged.
 */
import * as tf from '@tensorflow/tfjs';

type BatchNormInputs = { x: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor; scale?: tf.Tensor; offset?: tf.Tensor };

/** x * a + c, per channel (the last axis, or however mean and variance broadcast). */
export function batchNormByScaleAndShift(inputs: BatchNormInputs, varianceEpsilon: number): tf.Tensor {
  const { x, mean, variance, scale, offset } = inputs;
  return tf.tidy(() => {
    let a = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    if (scale) a = tf.mul(a, scale);
    const shift = tf.mul(mean, a);
    const c = offset ? tf.sub(offset, shift) : tf.neg(shift);
    return tf.add(tf.mul(x, a), c);
  });
}

/** The FusedBatchNorm kernel of `backendName` as x * a + c. */
export function scaleShiftBatchNormConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.FusedBatchNorm,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
      return batchNormByScaleAndShift(inputs as unknown as BatchNormInputs, varianceEpsilon);
    },
  };
}

let registeredOnTensorflow = false;

/** Replaces tfjs-node's FusedBatchNorm kernel (once per process, after the backend is registered). */
export function registerNativeBatchNorm(): void {
  if (registeredOnTensorflow || tf.getKernel(tf.FusedBatchNorm, 'tensorflow') == null) return;
  registeredOnTensorflow = true;
  tf.unregisterKernel(tf.FusedBatchNorm, 'tensorflow');
  tf.registerKernel(scaleShiftBatchNormConfig('tensorflow'));
}
