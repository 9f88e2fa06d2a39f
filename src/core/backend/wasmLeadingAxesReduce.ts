/**
 * Sum and Mean over leading axes for the wasm backend. wasm's own kernels reduce the innermost
 * axes only: for any other axes they first transpose the whole tensor so the reduced axes come
 * last. A training step reduces over [N, H, W] of NHWC activations all the time (batch-norm
 * statistics and their gradients, conv bias gradients), and that transpose made Sum and Mean a
 * quarter of a batch-norm CNN's step (10 ms for one [128,28,28,32] reduction).
 *
 * The mean over leading axes is a global average pooling: with x seen as [1, A, B, C] (A * B
 * the product of the reduced axes, B the last of them, C the product of the kept ones), wasm's
 * AvgPool (XNNPACK) with an A x B window reads x once in memory order and writes the C means
 * (0.7-1 ms for the same reduction); Sum scales them by A * B. Other axes, other dtypes and
 * tiny tensors go to the shipped kernel. (A ones-vector product on BatchMatMul was tried first:
 * fast on a tensor it has seen, 21 ms on a fresh one, since XNNPACK packs the right operand.)
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelArgs, release, runWasmKernel } from './wasmKernelCalls';

type ReduceInputs = { x: tf.TensorInfo };
type ReduceAttrs = { axis: number | number[]; keepDims: boolean };

/** Below this many reduced elements per output the shipped kernel is as fast. */
const MIN_REDUCED = 64;

/** How many leading axes `axes` reduces (k when they are exactly 0..k-1), or -1. */
export function leadingAxesCount(axes: number[]): number {
  const sorted = axes.slice().sort((a, b) => a - b);
  return sorted.every((axis, i) => axis === i) ? sorted.length : -1;
}

function makeLeadingAxesReduce(kernelName: string, shipped: tf.KernelConfig, mean: boolean): tf.KernelConfig {
  function reduce(args: KernelArgs<ReduceInputs, ReduceAttrs>): tf.TensorInfo {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs;
    const { axis, keepDims } = args.attrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const k = leadingAxesCount(axes);
    const reduced = x.shape.slice(0, Math.max(k, 0)).reduce((a, b) => a * b, 1);
    if (x.dtype !== 'float32' || k < 1 || reduced < MIN_REDUCED) {
      return shipped.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const kept = x.shape.slice(k);
    const width = kept.reduce((a, b) => a * b, 1);
    const last = x.shape[k - 1];
    const image = runWasmKernel(tf.Reshape, backend, { x }, { shape: [1, reduced / last, last, width] });
    const means = runWasmKernel(tf.AvgPool, backend, { x: image }, { filterSize: [reduced / last, last], strides: [1, 1], pad: 'valid', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap);
    if (!mean) {
      const values = backend.typedArrayFromHeap(means) as Float32Array;
      for (let i = 0; i < values.length; i++) values[i] *= reduced;
    }
    const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept;
    const out = runWasmKernel(tf.Reshape, backend, { x: means }, { shape: outShape });
    release(backend, image, means);
    return out;
  }
  return {
    kernelName,
    backendName: 'wasm',
    // The shipped kernel binds its wasm function in its setup; our fallback still calls it.
    setupFunc: shipped.setupFunc,
    // The engine calls kernel functions with NamedTensorInfoMap/NamedAttrMap; ours declares the
    // exact inputs and attributes tfjs passes to this kernel.
    kernelFunc: reduce as unknown as tf.KernelFunc,
  };
}

export function makeWasmSumConfig(shipped: tf.KernelConfig): tf.KernelConfig {
  return makeLeadingAxesReduce(tf.Sum, shipped, false);
}

export function makeWasmMeanConfig(shipped: tf.KernelConfig): tf.KernelConfig {
  return makeLeadingAxesReduce(tf.Mean, shipped, true);
}
