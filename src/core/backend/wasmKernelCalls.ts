/**
 * Calls the wasm backend's own kernels from inside a kernel we register, the way the wasm
 * package's composite kernels do it: straight through the kernel function, on TensorInfos,
 * with no engine in between (so nothing lands on the gradient tape or in a tidy scope).
 * Every intermediate result is the caller's to free with `release`.
 */
import * as tf from '@tensorflow/tfjs';

export type Tensor4Shape = [number, number, number, number];

/** What a kernel function receives, with the inputs and attributes it declares. */
export interface KernelArgs<Inputs, Attrs> {
  inputs: Inputs;
  attrs: Attrs;
  backend: tf.KernelBackend;
}

/**
 * Runs one kernel of the wasm backend. `config` may be given to call a kernel that we have
 * since replaced by our own (we keep the shipped config to fall back on).
 */
export function runWasmKernel(
  kernelName: string,
  backend: tf.KernelBackend,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  config: tf.KernelConfig = tf.getKernel(kernelName, 'wasm'),
): tf.TensorInfo {
  if (config == null) throw new Error(`kernel '${kernelName}' is not registered for the wasm backend`);
  const out = config.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`kernel '${kernelName}' returned ${out.length} outputs, expected one`);
  return out;
}

/** Frees intermediate results made by `runWasmKernel` (never a kernel's inputs or its output). */
export function release(backend: tf.KernelBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function transposeOnWasm(backend: tf.KernelBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runWasmKernel(tf.Transpose, backend, { x }, { perm });
}

/** Keeps `size` elements along each axis, starting at `begin`. */
export function sliceOnWasm(backend: tf.KernelBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  return runWasmKernel(tf.Slice, backend, { x }, { begin, size });
}

/** NHWC conv2d, stride 1, explicit non-negative padding [top, bottom, left, right]. */
export function conv2dOnWasm(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  padding: { top: number; bottom: number; left: number; right: number },
  dilations: [number, number] = [1, 1],
): tf.TensorInfo {
  const pad: number[][] = [
    [0, 0],
    [padding.top, padding.bottom],
    [padding.left, padding.right],
    [0, 0],
  ];
  return runWasmKernel(tf.Conv2D, backend, { x, filter }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations });
}
