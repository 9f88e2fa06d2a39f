/**
 * Synthetic OOD sets, seeded (same seed, same bytes), at any shape. As in the paper's code
 * (LogitNorm's test.py, after Outlier Exposure), which draws in [-1, 1]:
 *   gaussian: clip(N(0, 0.5^2), -1, 1)   here, on the [0, 1] pixel scale: clip(N(0.5, 0.25^2), 0, 1)
 *   uniform:  U[-1, 1]                    here: U[0, 1]
 * Values become bytes (round(255 v)), and are normalised with the in-distribution set's
 * statistics like any other input. Pixels are drawn in NHWC order from one stream.
 */
import { createImageSet } from './imageSet';
import { createRng } from './rng';
import type { ImageSet, ImageShape } from './types';

export const GAUSSIAN_NOISE_MEAN = 0.5;
export const GAUSSIAN_NOISE_STD = 0.25;

export type NoiseKind = 'gaussian' | 'uniform';

export function noiseSet(kind: NoiseKind, shape: ImageShape, count: number, seed: number): ImageSet {
  const [height, width, channels] = shape;
  const rng = createRng(seed);
  const images = new Uint8Array(count * height * width * channels);
  for (let i = 0; i < images.length; i++) {
    const value = kind === 'gaussian' ? GAUSSIAN_NOISE_MEAN + GAUSSIAN_NOISE_STD * rng.normal() : rng.next();
    images[i] = Math.round(255 * Math.min(1, Math.max(0, value)));
  }
  return createImageSet({ name: kind, images, labels: new Int32Array(count).fill(-1), height, width, channels });
}
