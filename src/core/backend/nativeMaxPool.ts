/**
 * MaxPool and MaxPoolGrad on the native TensorFlow backends through oneDNN's pooling kernels
 * (_MklNativeMaxPool, _MklNativeMaxPoolGrad), which the TensorFlow CPU builds carry but run only
 * in graphs that TensorFlow's own rewrite passes touch: tfjs-node calls ops eagerly, so it ran
 * TensorFlow's generic MaxPoolGrad, 16.9 ms on one [128,28,28,32] activation here against
 * 1.0 + 0.8 ms for oneDNN's forward (again, for its workspace of argmax indices) and backward.
 * It was the largest kernel of the small CNN's training step and a sixth of LeNet's. The forward
 * pass goes the same way (0.26 against 0.84 ms on LeNet's [128,24,24,6]; equal on large ones).
 *
 * 'valid' and 'same' padding only (the pools here); anything else, or a TensorFlow without
 * those kernels (another build, a GPU device), goes to tfjs-node's own kernel: the first
 * failure is remembered and the native op is not tried again.
 */
import * as tf from '@tensorflow/tfjs';
import { float32Attr, type NativeKernelBackend, type NativeOpAttr } from './nativeKernels';

type MaxPoolGradInputs = { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
type PoolAttrs = Pick<tf.MaxPoolGradAttrs, 'filterSize' | 'strides' | 'pad' | 'dimRoundingMode'>;

let unavailable: string | undefined;
let registered = false;

/** The op attributes of both oneDNN pooling kernels, or undefined where they do not apply. */
function oneDnnPoolAttrs(backend: NativeKernelBackend, x: tf.TensorInfo, attrs: PoolAttrs): NativeOpAttr[] | undefined {
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  if (unavailable !== undefined || (pad !== 'valid' && pad !== 'same') || dimRoundingMode !== undefined || x.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  const [fh, fw] = typeof filterSize === 'number' ? [filterSize, filterSize] : filterSize;
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  const { TF_ATTR_INT, TF_ATTR_STRING, TF_ATTR_BOOL } = backend.binding;
  const opAttrs: NativeOpAttr[] = [
    { name: 'ksize', type: TF_ATTR_INT, value: [1, fh, fw, 1] },
    { name: 'strides', type: TF_ATTR_INT, value: [1, sh, sw, 1] },
    { name: 'padding', type: TF_ATTR_STRING, value: pad.toUpperCase() },
    { name: 'data_format', type: TF_ATTR_STRING, value: 'NHWC' },
    { name: 'workspace_enabled', type: TF_ATTR_BOOL, value: true },
    // The label these kernels are registered under in TensorFlow's CPU builds.
    { name: '_kernel', type: TF_ATTR_STRING, value: 'MklNameChangeOp' },
    float32Attr(backend, 'T'),
  ];
}

/** Runs `compute` with oneDNN; undefined (and remembered) where its kernels are missing. */
function tryOneDnn<T>(compute: () => T): T | undefined {
  try {
    return compute();
  } catch (e) {
    unavailable = (e as Error).message.split('\n')[0];
    return undefined;
  }
}

/** y by oneDNN, or undefined where it does not apply (then tfjs-node's kernel runs). */
function oneDnnMaxPool(backend: NativeKernelBackend, x: tf.TensorInfo, attrs: PoolAttrs): tf.TensorInfo | undefined {
  const opAttrs = oneDnnPoolAttrs(backend, x, attrs);
  if (!opAttrs) return undefined;
  return tryOneDnn(() => {
    const [y, workspace] = backend.executeMultipleOutputs('_MklNativeMaxPool', opAttrs, [x], 2);
    tf.dispose(workspace);
    return y;
  });
}

/** dx by oneDNN, or undefined where it does not apply (then tfjs-node's kernel runs). */
function oneDnnMaxPoolGrad(backend: NativeKernelBackend, inputs: MaxPoolGradInputs, attrs: PoolAttrs): tf.TensorInfo | undefined {
  const opAttrs = oneDnnPoolAttrs(backend, inputs.input, attrs);
  if (!opAttrs) return undefined;
  let forward: tf.Tensor[] = [];
  try {
    forward = backend.executeMultipleOutputs('_MklNativeMaxPool', opAttrs, [inputs.input], 2);
    return tryOneDnn(() => {
      // The workspace (argmax indices) of oneDNN's own forward pass: the gradient needs it.
      forward = backend.executeMultipleOutputs('_MklNativeMaxPool', opAttrs, [inputs.input], 2);
      return backend.executeSingleOutput('_MklNativeMaxPoolGrad', opAttrs, [inputs.input, forward[0], inputs.dy, forward[1]]);
    });
  } finally {
    tf.dispose(forward);
  }
}

/** Why oneDNN's pooling is not used here (after a failed try), or undefined. */
export function oneDnnMaxPoolUnavailable(): string | undefined {
  return unavailable;
}

/** Puts oneDNN's pooling in front of tfjs-node's MaxPool and MaxPoolGrad kernels (once per process). */
export function registerNativeMaxPool(): void {
  const originalForward = tf.getKernel(tf.MaxPool, 'tensorflow');
  const originalGrad = tf.getKernel(tf.MaxPoolGrad, 'tensorflow');
  if (registered || !originalForward || !originalGrad) return;
  registered = true;
  tf.unregisterKernel(tf.MaxPool, 'tensorflow');
  tf.registerKernel({
    kernelName: tf.MaxPool,
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as NativeKernelBackend;
      const fast = oneDnnMaxPool(backend, (args.inputs as unknown as { x: tf.TensorInfo }).x, args.attrs as unknown as PoolAttrs);
      return fast ?? originalForward.kernelFunc(args);
    },
  });
  tf.unregisterKernel(tf.MaxPoolGrad, 'tensorflow');
  tf.registerKernel({
    kernelName: tf.MaxPoolGrad,
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as NativeKernelBackend;
      const fast = oneDnnMaxPoolGrad(backend, args.inputs as unknown as MaxPoolGradInputs, args.attrs as unknown as PoolAttrs);
      return fast ?? originalGrad.kernelFunc(args);
    },
  });
}
