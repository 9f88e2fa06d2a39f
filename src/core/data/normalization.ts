/**
 * Per-channel normalisation, x' = (x / 255 - mean) / std, with the values each data set is
 * usually trained with, and the computation for a set that has none (an image folder).
 */
import type { ImageSet, Normalization } from './types';

/** MNIST: the usual PyTorch values (mean and std of the training pixels). */
export const MNIST_NORMALIZATION: Normalization = { mean: [0.1307], std: [0.3081] };

/** Fashion-MNIST: mean and std of its training pixels. */
export const FASHION_MNIST_NORMALIZATION: Normalization = { mean: [0.286], std: [0.353] };

/**
 * CIFAR-10 and CIFAR-100: the values of the paper's code (LogitNorm, after Outlier Exposure),
 * [125.3, 123.0, 113.9] / 255 and [63.0, 62.1, 66.7] / 255, used there for both data sets.
 */
export const CIFAR_NORMALIZATION: Normalization = {
  mean: [125.3 / 255, 123.0 / 255, 113.9 / 255],
  std: [63.0 / 255, 62.1 / 255, 66.7 / 255],
};

/** Mean and (population) std of every pixel of each channel, on the [0, 1] scale. */
export function computeNormalization(set: ImageSet): Normalization {
  const channels = set.channels;
  const sums = new Float64Array(channels);
  const sumsOfSquares = new Float64Array(channels);
  const images = set.images;
  for (let i = 0; i < images.length; i++) {
    const value = images[i];
    const channel = i % channels;
    sums[channel] += value;
    sumsOfSquares[channel] += value * value;
  }
  const pixelsPerChannel = images.length / channels;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = sums[c] / pixelsPerChannel;
    const variance = Math.max(0, sumsOfSquares[c] / pixelsPerChannel - m * m);
    mean.push(m / 255);
    // A constant channel would divide by zero; 1 leaves it centred and unscaled.
    std.push(variance > 0 ? Math.sqrt(variance) / 255 : 1);
  }
  return { mean, std };
}
