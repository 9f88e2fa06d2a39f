/**
 * Conv2DBackpropFilter for the wasm backend, which does not ship one (so conv nets cannot
 * train on it as shipped). Built from wasm's own Conv2D (XNNPACK), Transpose and Slice.
 *
 * With x [N, H, W, Ci], dy [N, Ho, Wo, Co], strides (sh, sw) and padding (top, left):
 *   dW[a, b, ci, co] = sum_{n, i, j} x[n, i*sh + a - top, j*sw + b - left, ci] * dy[n, i, j, co]
 * which is a stride-1 conv2d whose "batch" is ci, whose "channels" are n, and whose filter is
 * dy dilated by the strides:
 *   X' = x  transposed to [Ci, H, W, N]
 *   F' = dy transposed to [Ho, Wo, N, Co]
 *   dW' = conv2d(X', F', dilations = strides, pad = (top, bottom', left, right'))  [Ci, kh, kw, Co]
 *   dW  = dW' transposed to [kh, kw, Ci, Co]
 * bottom' / right' are chosen so the output is exactly kh x kw; where they come out negative
 * (rows of x that no output position reads, e.g. 'valid' with stride 2 on an even size) those
 * rows are sliced off instead.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, Tensor4Shape, conv2dOnWasm, release, sliceOnWasm, transposeOnWasm } from './wasmKernelCalls';

type Conv2DBackpropFilterInputs = { x: tf.TensorInfo; dy: tf.TensorInfo };

export function wasmConv2dBackpropFilter(args: KernelArgs<Conv2DBackpropFilterInputs, tf.Conv2DBackpropFilterAttrs>): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat === 'NCHW') {
    throw new Error("wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only");
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Tensor4Shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;

  // Padding that makes the dilated dy fit exactly kh x kw times over the (padded) input.
  let bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  let right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;

  const xByChannel = transposeOnWasm(backend, x, [3, 1, 2, 0]); // [Ci, H, W, N]
  let xCropped = xByChannel;
  if (bottom < 0 || right < 0) {
    const keptHeight = inHeight + Math.min(bottom, 0);
    const keptWidth = inWidth + Math.min(right, 0);
    xCropped = sliceOnWasm(backend, xByChannel, [0, 0, 0, 0], [inChannels, keptHeight, keptWidth, batchSize]);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const dyAsFilter = transposeOnWasm(backend, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const gradByChannel = conv2dOnWasm(backend, xCropped, dyAsFilter, { top, bottom, left, right }, [strideHeight, strideWidth]);
  release(backend, xByChannel, dyAsFilter);
  if (xCropped !== xByChannel) release(backend, xCropped);
  const expected = [inChannels, filterHeight, filterWidth, outChannels];
  if (gradByChannel.shape.some((size, axis) => size !== expected[axis])) {
    release(backend, gradByChannel);
    throw new Error(`wasm Conv2DBackpropFilter: got shape [${gradByChannel.shape}], expected [${expected}]`);
  }
  const dW = transposeOnWasm(backend, gradByChannel, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  release(backend, gradByChannel);
  return dW;
}

export const wasmConv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  // The engine calls kernel functions with NamedTensorInfoMap/NamedAttrMap; ours declares the
  // exact inputs and attributes tfjs passes to this kernel.
  kernelFunc: wasmConv2dBackpropFilter as unknown as tf.KernelFunc,
};
