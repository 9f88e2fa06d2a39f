/**
 * Batch normalisation in training mode with its gradient in closed form.
 *
 * tfjs-layers' BatchNormalization trains through autodiff of tf.moments and tf.batchNorm: about
 * 40 full-size element-wise ops and reductions per layer and step (Multiply x ~40, Sum, Mean,
 * Sub, Tile, Square), which was half of the small CNN's training step on tfjs-node and a third
 * on wasm (`npm run bench -- profile-step`). With the batch statistics over the N values of a
 * channel (biased variance, as tf.moments and PyTorch's normalisation use),
 *
 *   mu = mean(x),  var = mean((x - mu)^2),  r = 1 / sqrt(var + eps),  xhat = (x - mu) r,
 *   y = gamma xhat + beta,
 *
 * the gradient is
 *
 *   dbeta = sum(dy),  dgamma = sum(dy xhat),
 *   dx = gamma r (dy - dbeta / N - xhat dgamma / N)        (Ioffe & Szegedy 2015, section 3)
 *
 * which is 6 full-size ops forward and 8 backward. The layer below is tfjs-layers' own
 * BatchNormalization with only its training branch replaced: the same weights, names, config and
 * moving-average update (momentum * old + (1 - momentum) * batch value, with the biased batch
 * variance, as before), so checkpoints written before load unchanged; it is registered under the
 * same class name, so a saved model loads back into it. Inference (training false) and batch
 * norm over other axes than the last go to the original code.
 *
 * On the native TensorFlow backends both passes are TensorFlow's own fused kernels,
 * FusedBatchNormV3 (training) and FusedBatchNormGradV3: 2.7 + 3.4 ms on a [128,28,28,32]
 * activation here, against about 10 + 13 ms for the 14 element-wise ops (each one full pass
 * over memory, ~1.6 ms). Its variance output is Bessel-corrected; the moving average keeps the
 * biased one, as above, so it is scaled by (N - 1) / N (the reserve spaces hold the biased
 * variance on the CPU but the inverse standard deviation in cuDNN's kernel, so they are only
 * handed back to the gradient op).
 */
import * as tf from '@tensorflow/tfjs';
import { float32Attr, nativeBackend, type NativeKernelBackend, type NativeOpAttr } from '../backend/nativeKernels';

/** y and the batch mean and variance of x [..., C] over all axes but the last. */
export interface BatchNormTrainingResult {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch norm of `x` over every axis but the last, differentiable in x, gamma and
 * beta with the closed-form gradient. mean and variance are returned for the moving averages
 * (not differentiated).
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTrainingResult {
  const native = nativeBackend();
  if (native && x.rank === 4 && x.dtype === 'float32') return nativeBatchNormTraining(native, x, gamma, beta, epsilon);
  const axes = [...Array(x.rank - 1).keys()];
  const count = x.size / x.shape[x.rank - 1];
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const forward = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const m = tf.mean(xIn, axes) as tf.Tensor1D;
    const centered = tf.sub(xIn, m);
    const v = tf.mean(tf.square(centered), axes) as tf.Tensor1D;
    const r = tf.rsqrt(tf.add(v, tf.scalar(epsilon)));
    const y = tf.add(tf.mul(centered, tf.mul(gammaIn, r)), betaIn);
    // The forward runs inside the engine's tidy: keep the statistics past it (cloned below).
    mean = tf.keep(m);
    variance = tf.keep(v);
    save([centered, r, gammaIn]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [c, rSaved, g] = saved;
        const xhat = tf.mul(c, rSaved);
        const dbeta = tf.sum(dy, axes);
        const dgamma = tf.sum(tf.mul(dy, xhat), axes);
        // dx = s dy + t xhat + u, per channel: s = gamma r, t = -s dgamma / N, u = -s dbeta / N.
        const s = tf.mul(g, rSaved);
        const t = tf.mul(s, tf.mul(dgamma, tf.scalar(-1 / count)));
        const u = tf.mul(s, tf.mul(dbeta, tf.scalar(-1 / count)));
        const dx = tf.add(tf.add(tf.mul(dy, s), tf.mul(xhat, t)), u);
        return [dx, dgamma, dbeta];
      },
    };
  });
  const y = forward(x, gamma, beta);
  return keptStatistics(y, mean, variance);
}

function nativeAttrs(native: NativeKernelBackend, epsilon: number): NativeOpAttr[] {
  const { TF_ATTR_FLOAT, TF_ATTR_STRING, TF_ATTR_BOOL } = native.binding;
  return [
    float32Attr(native, 'T'),
    float32Attr(native, 'U'),
    { name: 'epsilon', type: TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: TF_ATTR_BOOL, value: true },
  ];
}

/** batchNormTraining on TensorFlow's fused kernels (module comment). */
function nativeBatchNormTraining(native: NativeKernelBackend, x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTrainingResult {
  const attrs = nativeAttrs(native, epsilon);
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const forward = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const empty = tf.tensor1d([]);
    // y, batch mean, batch variance (Bessel-corrected), and three reserve spaces for the gradient.
    const [y, batchMean, unbiased, reserve1, reserve2, reserve3] = native.executeMultipleOutputs('FusedBatchNormV3', attrs, [xIn, gammaIn, betaIn, empty, empty], 6);
    mean = tf.keep(batchMean as tf.Tensor1D);
    const count = xIn.size / xIn.shape[xIn.rank - 1];
    variance = tf.keep((count > 1 ? tf.mul(unbiased, (count - 1) / count) : tf.zerosLike(batchMean)) as tf.Tensor1D);
    save([xIn, gammaIn, reserve1, reserve2, reserve3]);
    tf.dispose([empty, unbiased]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dx, dgamma, dbeta, spare4, spare5] = native.executeMultipleOutputs('FusedBatchNormGradV3', attrs, [dy, ...saved], 5);
        tf.dispose([spare4, spare5]);
        return [dx, dgamma, dbeta];
      },
    };
  });
  const y = forward(x, gamma, beta);
  return keptStatistics(y, mean, variance);
}

/** The result with mean and variance (kept past the engine's tidy) cloned into the caller's scope. */
function keptStatistics(y: tf.Tensor, mean: tf.Tensor1D | undefined, variance: tf.Tensor1D | undefined): BatchNormTrainingResult {
  if (mean === undefined || variance === undefined) throw new Error('batch norm: the forward pass did not run');
  const result = { y, mean: tf.clone(mean), variance: tf.clone(variance) };
  tf.dispose([mean, variance]);
  return result;
}

type LayerKwargs = Record<string, unknown>;
type BatchNormInternals = {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
};

// tfjs-layers does not export the class; its factory's instances carry it.
type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
const TfjsBatchNormalization = tf.layers.batchNormalization({}).constructor as unknown as (new (args: BatchNormArgs) => tf.layers.Layer) & {
  fromConfig: tf.serialization.SerializableConstructor<tf.layers.Layer>['fromConfig'];
};

/** tfjs-layers' BatchNormalization with the closed-form training gradient (module comment). */
export class BatchNormalization extends TfjsBatchNormalization {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: LayerKwargs): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as BatchNormInternals;
    const lastAxis = self.axis === -1 || self.axis === input.rank - 1;
    if (kwargs.training !== true || !lastAxis || !self.center || !self.scale || self.gamma === null || self.beta === null) {
      return super.call(inputs, kwargs);
    }
    const gamma = self.gamma;
    const beta = self.beta;
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(input, gamma.read() as tf.Tensor1D, beta.read() as tf.Tensor1D, self.epsilon);
      const decay = 1 - self.momentum;
      for (const [moving, batch] of [[self.movingMean, mean], [self.movingVariance, variance]] as const) {
        const old = moving.read();
        moving.write(tf.sub(old, tf.mul(tf.sub(old, batch), decay)));
      }
      return y;
    });
  }
}
tf.serialization.registerClass(BatchNormalization as unknown as tf.serialization.SerializableConstructor<BatchNormalization>);
