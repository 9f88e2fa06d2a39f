/**
 * MaxPoolGrad on the native TensorFlow backends through oneDNN's pooling kernels
 * (_MklNativeMaxPool, _MklNativeMaxPoolGrad), which the TensorFlow CPU builds carry but run only
 * in graphs that TensorFlow's own rewrite passes touch: tfjs-node calls ops eagerly, so it ran
 * TensorFlow's generic MaxPoolGrad, 16.9 ms on one [128,28,28,32] activation here against
 * 1.0 + 0.8 ms for oneDNN's forward (again, for its workspace of argmax indices) and backward.
 * It was the largest kernel of the small CNN's training step (LeNet's activations are small
 * enough that it made no measurable difference there).
 *
 * 'valid' and 'same' padding only (the pools here); anything else, a GPU device (tfjs-node-gpu,
 * whose own kernel runs on the GPU; oneDNN's would pull the tensors to the CPU), or a TensorFlow
 * without those kernels (another build) goes to tfjs-node's own kernel: the first failure is
 * remembered and the native op is not tried again.
 */
import * as tf from '@tensorflow/tfjs';
import { float32Attr, type NativeKernelBackend, type NativeOpAttr } from './nativeKernels';

type MaxPoolGradInputs = { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };

let unavailable: string | undefined;
let registered = false;

/** dx by oneDNN, or undefined where it does not apply (then tfjs-node's kernel runs). */
function oneDnnMaxPoolGrad(backend: NativeKernelBackend, inputs: MaxPoolGradInputs, attrs: tf.MaxPoolGradAttrs): tf.TensorInfo | undefined {
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  if (unavailable !== undefined || backend.isUsingGpuDevice === true) return undefined;
  if ((pad !== 'valid' && pad !== 'same') || dimRoundingMode !== undefined || inputs.input.dtype !== 'float32') return undefined;
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
  let forward: tf.Tensor[] = [];
  try {
    forward = backend.executeMultipleOutputs('_MklNativeMaxPool', opAttrs, [inputs.input], 2);
    return backend.executeSingleOutput('_MklNativeMaxPoolGrad', opAttrs, [inputs.input, forward[0], inputs.dy, forward[1]]);
  } catch (e) {
    unavailable = (e as Error).message.split('\n')[0];
    return undefined;
  } finally {
    tf.dispose(forward);
  }
}

/** Why oneDNN's pooling gradient is not used here (after a failed try), or undefined. */
export function oneDnnMaxPoolGradUnavailable(): string | undefined {
  return unavailable;
}

/** Puts oneDNN's pooling gradient in front of tfjs-node's MaxPoolGrad (once per process). */
export function registerNativeMaxPoolGrad(): void {
  const original = tf.getKernel(tf.MaxPoolGrad, 'tensorflow');
  if (registered || !original) return;
  registered = true;
  tf.unregisterKernel(tf.MaxPoolGrad, 'tensorflow');
  tf.registerKernel({
    kernelName: tf.MaxPoolGrad,
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as NativeKernelBackend;
      const fast = oneDnnMaxPoolGrad(backend, args.inputs as unknown as MaxPoolGradInputs, args.attrs as unknown as tf.MaxPoolGradAttrs);
      return fast ?? original.kernelFunc(args);
    },
  });
}
