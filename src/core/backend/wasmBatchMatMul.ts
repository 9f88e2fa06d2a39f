/**
 * A faster BatchMatMul for the wasm backend when an operand is transposed. wasm's own kernel
 * runs a plain product through XNNPACK but a transposed one through a much slower loop; the
 * backward pass of every dense layer asks for x^T dy and dy W^T. Transposing the operand
 * first (wasm's Transpose kernel) and then multiplying plainly gives the same numbers faster.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, release, runWasmKernel, transposeOnWasm } from './wasmKernelCalls';

type BatchMatMulInputs = { a: tf.TensorInfo; b: tf.TensorInfo };

/** The permutation that swaps the last two axes of a tensor of this rank. */
function swapLastTwoAxes(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, axis) => axis);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Builds the override; `shipped` is wasm's own kernel, which does the plain product. */
export function makeWasmBatchMatMulConfig(shipped: tf.KernelConfig): tf.KernelConfig {
  function wasmBatchMatMul(args: KernelArgs<BatchMatMulInputs, tf.BatchMatMulAttrs>): tf.TensorInfo {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = attrs;
    const a = transposeA ? transposeOnWasm(backend, inputs.a, swapLastTwoAxes(inputs.a.shape.length)) : inputs.a;
    const b = transposeB ? transposeOnWasm(backend, inputs.b, swapLastTwoAxes(inputs.b.shape.length)) : inputs.b;
    const product = runWasmKernel(tf.BatchMatMul, backend, { a, b }, { transposeA: false, transposeB: false }, shipped);
    if (transposeA) release(backend, a);
    if (transposeB) release(backend, b);
    return product;
  }

  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    // The shipped kernel binds its wasm function in its setup; it must still run.
    setupFunc: shipped.setupFunc,
    // The engine calls kernel functions with NamedTensorInfoMap/NamedAttrMap; ours declares the
    // exact inputs and attributes tfjs passes to this kernel.
    kernelFunc: wasmBatchMatMul as unknown as tf.KernelFunc,
  };
}
