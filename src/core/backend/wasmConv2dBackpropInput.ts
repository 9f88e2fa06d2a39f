/**
 * A faster Conv2DBackpropInput for the wasm backend at stride 1. The shipped kernel is a
 * scalar loop; at stride 1 the same result is a plain convolution, which wasm runs through
 * XNNPACK:
 *   dx = conv2d(dy, W flipped in height and width with in/out channels swapped,
 *               pad = (kh-1-top, kh-1-bottom, kw-1-left, kw-1-right))
 * Any other case (strides above 1, padding wider than the filter) goes to the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, Tensor4Shape, conv2dOnWasm, release, runWasmKernel, transposeOnWasm } from './wasmKernelCalls';

type Conv2DBackpropInputInputs = { dy: tf.TensorInfo; filter: tf.TensorInfo };
type Conv2DBackpropInputArgs = KernelArgs<Conv2DBackpropInputInputs, tf.Conv2DBackpropInputAttrs>;

/** Builds the override; `shipped` is wasm's own kernel, used for the cases we do not cover. */
export function makeWasmConv2dBackpropInputConfig(shipped: tf.KernelConfig): tf.KernelConfig {
  function wasmConv2dBackpropInput(args: Conv2DBackpropInputArgs): tf.TensorInfo {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const useShipped = (): tf.TensorInfo =>
      runWasmKernel(tf.Conv2DBackpropInput, backend, { dy, filter }, attrs as unknown as tf.NamedAttrMap, shipped);
    if (dataFormat === 'NCHW') return useShipped();

    const info = tf.backend_util.computeConv2DInfo(
      inputShape, filter.shape as Tensor4Shape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const { filterHeight, filterWidth, strideHeight, strideWidth, inHeight, inWidth } = info;
    const { top, bottom, left, right } = info.padInfo;
    const transposedPad = {
      top: filterHeight - 1 - top,
      bottom: filterHeight - 1 - bottom,
      left: filterWidth - 1 - left,
      right: filterWidth - 1 - right,
    };
    const covered =
      strideHeight === 1 && strideWidth === 1 &&
      Object.values(transposedPad).every((p) => p >= 0) &&
      // The output of the transposed convolution must be exactly the input's size.
      dy.shape[1] + transposedPad.top + transposedPad.bottom - filterHeight + 1 === inHeight &&
      dy.shape[2] + transposedPad.left + transposedPad.right - filterWidth + 1 === inWidth;
    if (!covered) return useShipped();

    const flipped = runWasmKernel(tf.Reverse, backend, { x: filter }, { dims: [0, 1] });
    const flippedSwapped = transposeOnWasm(backend, flipped, [0, 1, 3, 2]); // [kh, kw, Co, Ci]
    const dx = conv2dOnWasm(backend, dy, flippedSwapped, transposedPad);
    release(backend, flipped, flippedSwapped);
    return dx;
  }

  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    // The shipped kernel binds its wasm function in its setup; it must still run.
    setupFunc: shipped.setupFunc,
    // The engine calls kernel functions with NamedTensorInfoMap/NamedAttrMap; ours declares the
    // exact inputs and attributes tfjs passes to this kernel.
    kernelFunc: wasmConv2dBackpropInput as unknown as tf.KernelFunc,
  };
}
