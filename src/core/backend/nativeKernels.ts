/**
 * TensorFlow ops called by name on the native backends (tfjs-node, tfjs-node-gpu), where one
 * fused TensorFlow kernel does what tfjs-core builds out of many eager ops. Only loaded types:
 * the optional native package is never imported here.
 */
import * as tf from '@tensorflow/tfjs';

/** An op attribute as tfjs-node's binding takes it. */
export interface NativeOpAttr {
  name: string;
  type: number;
  value: number | number[] | string | boolean;
}

/** What we use of tfjs-node's NodeJSKernelBackend (both native packages share it). */
export interface NativeKernelBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_INT: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_FLOAT: number };
  executeSingleOutput(name: string, opAttrs: NativeOpAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, opAttrs: NativeOpAttr[], inputs: tf.TensorInfo[], numOutputs: number): tf.Tensor[];
  /** True on tfjs-node-gpu when it really uses a GPU. */
  isUsingGpuDevice?: boolean;
}

/** The current backend when it is a native TensorFlow one, else undefined. */
export function nativeBackend(): NativeKernelBackend | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const backend = tf.backend() as unknown as Partial<NativeKernelBackend>;
  return typeof backend.executeSingleOutput === 'function' && typeof backend.executeMultipleOutputs === 'function' && backend.binding
    ? (backend as NativeKernelBackend)
    : undefined;
}

/** The attribute `name` = float32 (TensorFlow's T, U, ...). */
export function float32Attr(native: NativeKernelBackend, name: string): NativeOpAttr {
  return { name, type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT };
}
