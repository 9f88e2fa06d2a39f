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
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelArgs, Tensor4Shape, conv2dOnWasm, release, runWasmKernel, sliceOnWasm, transposeOnWasm } from './wasmKernelCalls';

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

  if (filterHeight * filterWidth * inChannels <= IM2COL_MAX_ROWS && outChannels >= IM2COL_MIN_OUT_CHANNELS) {
    return filterGradByIm2col(backend as BackendWasm, x, dy, info);
  }

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

/**
 * Up to this many filter taps (kh * kw * Ci), the gradient goes through im2col instead: for a
 * first layer (Ci = 1) the conv above has a filter as large as the whole activation, which
 * XNNPACK runs slowly, while the patch matrix is small.
 */
const IM2COL_MAX_ROWS = 32;
/**
 * ...and at least this many output channels: measured at batch 128 on 28x28, the CNN's 3x3 -> 32
 * took 35.6 ms through the conv and 5 ms through im2col, LeNet's 5x5 -> 6 took 4.7 ms through the
 * conv and 8 ms through im2col (a product 6 wide uses XNNPACK poorly).
 */
const IM2COL_MIN_OUT_CHANNELS = 16;

/**
 * dW[(a, b, ci), co] = sum over (n, i, j) of P[(a, b, ci), (n, i, j)] * dy[(n, i, j), co], with
 * P[(a, b, ci), (n, i, j)] = x[n, i*sh + a*dh - top, j*sw + b*dw - left, ci] (0 outside x):
 * P is written straight from the wasm heap, then one plain matrix product (wasm's BatchMatMul,
 * XNNPACK) of [kh*kw*Ci, N*Ho*Wo] by dy seen as [N*Ho*Wo, Co].
 */
function filterGradByIm2col(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const rows = filterHeight * filterWidth * inChannels;
  const cols = batchSize * outHeight * outWidth;
  const patches = backend.makeOutput([1, rows, cols], 'float32');
  // Views of the wasm heap, taken after the last allocation (a growing heap detaches them).
  const xValues = backend.typedArrayFromHeap(x) as Float32Array;
  const p = backend.typedArrayFromHeap(patches) as Float32Array;
  for (let a = 0; a < filterHeight; a++) {
    for (let b = 0; b < filterWidth; b++) {
      for (let ci = 0; ci < inChannels; ci++) {
        const rowStart = ((a * filterWidth + b) * inChannels + ci) * cols;
        let k = rowStart;
        for (let n = 0; n < batchSize; n++) {
          for (let i = 0; i < outHeight; i++) {
            const row = i * strideHeight + a * dilationHeight - top;
            if (row < 0 || row >= inHeight) {
              p.fill(0, k, k + outWidth);
              k += outWidth;
              continue;
            }
            const rowBase = (n * inHeight + row) * inWidth;
            for (let j = 0; j < outWidth; j++) {
              const col = j * strideWidth + b * dilationWidth - left;
              p[k++] = col >= 0 && col < inWidth ? xValues[(rowBase + col) * inChannels + ci] : 0;
            }
          }
        }
      }
    }
  }
  const dyMatrix = runWasmKernel(tf.Reshape, backend, { x: dy }, { shape: [1, cols, outChannels] });
  const product = runWasmKernel(tf.BatchMatMul, backend, { a: patches, b: dyMatrix }, { transposeA: false, transposeB: false });
  const dW = runWasmKernel(tf.Reshape, backend, { x: product }, { shape: [filterHeight, filterWidth, inChannels, outChannels] });
  release(backend, patches, dyMatrix, product);
  return dW;
}

export const wasmConv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  // The engine calls kernel functions with NamedTensorInfoMap/NamedAttrMap; ours declares the
  // exact inputs and attributes tfjs passes to this kernel.
  kernelFunc: wasmConv2dBackpropFilter as unknown as tf.KernelFunc,
};
