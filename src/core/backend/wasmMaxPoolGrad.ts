/**
 * MaxPoolGrad for the wasm backend, replacing the shipped one, which is wrong and slow:
 *  - wrong: in tfjs-backend-wasm 4.22 a window whose values are all negative gets no
 *    gradient at all (its search for the maximum apparently starts above every negative
 *    number; MaxPoolWithArgmax has the same fault), and ties go to another position than on
 *    the CPU backend and in TensorFlow (the first maximum in scan order);
 *  - slow: it searches the windows again for every input position.
 * This one runs in JavaScript over the wasm heap: one pass over the windows, all channels of
 * a window at once (NHWC keeps them adjacent), each dy added at its window's first maximum.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelArgs, Tensor4Shape } from './wasmKernelCalls';

type MaxPoolGradInputs = { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };

export function wasmMaxPoolGrad(args: KernelArgs<MaxPoolGradInputs, tf.MaxPoolGradAttrs>): tf.TensorInfo {
  const { inputs, attrs } = args;
  // This kernel is registered for the wasm backend only, so the engine hands it that backend.
  const backend = args.backend as BackendWasm;
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as Tensor4Shape, filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  const dxInfo = backend.makeOutput(input.shape, 'float32');
  // Views of the wasm heap, taken after the last allocation (a growing heap detaches them).
  const x = backend.typedArrayFromHeap(input);
  const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(dxInfo) as Float32Array;
  if (effectiveFilterHeight === 2 && effectiveFilterWidth === 2 && strideHeight === 2 && strideWidth === 2 && padTop === 0 && padLeft === 0 &&
      2 * outHeight <= inHeight && 2 * outWidth <= inWidth) {
    // The windows write every position they cover; only rows/columns left over need zeros.
    if (2 * outHeight < inHeight || 2 * outWidth < inWidth) dx.fill(0);
    maxPool2x2Grad(x as Float32Array, dyValues, dx, batchSize, inHeight, inWidth, channels, outHeight, outWidth);
    return dxInfo;
  }
  dx.fill(0);

  const maxValue = new Float32Array(channels);
  const maxPosition = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const rowCorner = outRow * strideHeight - padTop;
      let rowStart = rowCorner;
      while (rowStart < 0) rowStart += dilationHeight;
      const rowEnd = Math.min(inHeight, rowCorner + effectiveFilterHeight);
      for (let outCol = 0; outCol < outWidth; outCol++) {
        const colCorner = outCol * strideWidth - padLeft;
        let colStart = colCorner;
        while (colStart < 0) colStart += dilationWidth;
        const colEnd = Math.min(inWidth, colCorner + effectiveFilterWidth);
        maxValue.fill(Number.NEGATIVE_INFINITY);
        maxPosition.fill(-1);
        for (let row = rowStart; row < rowEnd; row += dilationHeight) {
          for (let col = colStart; col < colEnd; col += dilationWidth) {
            const pixel = ((b * inHeight + row) * inWidth + col) * channels;
            for (let c = 0; c < channels; c++) {
              // Strictly greater: the first maximum in scan order wins a tie.
              if (x[pixel + c] > maxValue[c]) {
                maxValue[c] = x[pixel + c];
                maxPosition[c] = pixel + c;
              }
            }
          }
        }
        const outPixel = ((b * outHeight + outRow) * outWidth + outCol) * channels;
        for (let c = 0; c < channels; c++) {
          if (maxPosition[c] >= 0) dx[maxPosition[c]] += dyValues[outPixel + c];
        }
      }
    }
  }
  return dxInfo;
}

/**
 * The common case (2x2 windows, stride 2, no padding: every LeNet/CNN pool here) without the
 * general loop's per-window bookkeeping: the four candidates of each channel compared in scan
 * order, strictly greater wins, from -Infinity (so a window of -Infinity gets no gradient, as in
 * the general loop and on the cpu backend). Windows do not overlap, so each writes its four
 * positions outright and the output needs no zeroing pass.
 */
function maxPool2x2Grad(x: Float32Array, dy: Float32Array, dx: Float32Array, batchSize: number, inHeight: number, inWidth: number, channels: number, outHeight: number, outWidth: number): void {
  const rowStride = inWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      for (let outCol = 0; outCol < outWidth; outCol++) {
        const p00 = ((b * inHeight + 2 * outRow) * inWidth + 2 * outCol) * channels;
        const p01 = p00 + channels;
        const p10 = p00 + rowStride;
        const p11 = p10 + channels;
        const outPixel = ((b * outHeight + outRow) * outWidth + outCol) * channels;
        for (let c = 0; c < channels; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          if (x[p00 + c] > best) { best = x[p00 + c]; at = p00 + c; }
          if (x[p01 + c] > best) { best = x[p01 + c]; at = p01 + c; }
          if (x[p10 + c] > best) { best = x[p10 + c]; at = p10 + c; }
          if (x[p11 + c] > best) { at = p11 + c; }
          const g = dy[outPixel + c];
          dx[p00 + c] = at === p00 + c ? g : 0;
          dx[p01 + c] = at === p01 + c ? g : 0;
          dx[p10 + c] = at === p10 + c ? g : 0;
          dx[p11 + c] = at === p11 + c ? g : 0;
        }
      }
    }
  }
}

export const wasmMaxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  // The engine calls kernel functions with NamedTensorInfoMap/NamedAttrMap; ours declares the
  // exact inputs and attributes tfjs passes to this kernel.
  kernelFunc: wasmMaxPoolGrad as unknown as tf.KernelFunc,
};
