/**
 * OOD sets by name: synthetic noise (`gaussian`, `uniform`) made at exactly the requested shape;
 * any named in-distribution data set (its test split, brought to that shape when it has another:
 * gray repeated over RGB or RGB to luma, then bilinear resizing, e.g. MNIST at 32x32x3 for a
 * CIFAR model, as OOD benchmarks use it); or a folder path (every image under it, resized to the
 * shape). Labels are -1: an OOD set has none of the in-distribution classes.
 */
import { existsSync } from 'node:fs';
import { UserInputError } from '../errors';
import { createImageSet, formatShape, imageShapeOf } from './imageSet';
import { loadUnlabeledImageFolder } from './imageFolder';
import { noiseSet, type NoiseKind } from './noise';
import { toShape } from './resize';
import { DATASETS } from './registry';
import { limitSet } from './subsets';
import type { DataOptions, ImageSet, ImageShape } from './types';

export const NOISE_SET_NAMES: readonly NoiseKind[] = ['gaussian', 'uniform'];

export interface OodSetOptions extends DataOptions {
  shape: ImageShape;
  /** At most this many images (a seeded choice when the set has more). */
  count: number;
  seed: number;
}

export function knownOodSetNames(): string[] {
  return [...NOISE_SET_NAMES, ...Object.keys(DATASETS)];
}

export async function loadOodSet(name: string, opts: OodSetOptions): Promise<ImageSet> {
  const { shape, count, seed } = opts;
  if (!Number.isInteger(count) || count < 1) throw new UserInputError(`OOD image count ${count} is not a positive whole number`, String(count), 'an integer >= 1');
  if ((NOISE_SET_NAMES as readonly string[]).includes(name)) {
    opts.log?.(`${name} noise: ${count} images at ${formatShape(shape)}, seed ${seed}`);
    return noiseSet(name as NoiseKind, shape, count, seed);
  }
  if (Object.prototype.hasOwnProperty.call(DATASETS, name)) {
    const dataset = await DATASETS[name]({ ...opts, limit: undefined });
    const limited = limitSet(dataset.test, count, seed);
    const fitted = atShape(limited, shape);
    if (fitted !== limited) opts.log?.(`${name}: ${limited.count} test images brought from ${formatShape(imageShapeOf(limited))} to ${formatShape(shape)}`);
    return { ...fitted, name, labels: new Int32Array(fitted.count).fill(-1) };
  }
  if (existsSync(name)) {
    return loadUnlabeledImageFolder(name, shape, { count, seed, log: opts.log });
  }
  const known = knownOodSetNames().join(', ');
  throw new UserInputError(`unknown OOD set '${name}': expected one of ${known}, or a folder of images`, name, `${known}, or a folder path`);
}

/** `set` itself when it has `shape`; otherwise every image converted to its channels and resized (resize.ts). */
function atShape(set: ImageSet, shape: ImageShape): ImageSet {
  const [height, width, channels] = shape;
  if (set.height === height && set.width === width && set.channels === channels) return set;
  const sourcePixels = set.height * set.width * set.channels;
  const pixels = height * width * channels;
  const images = new Uint8Array(set.count * pixels);
  for (let i = 0; i < set.count; i++) {
    const image = set.images.subarray(i * sourcePixels, (i + 1) * sourcePixels);
    images.set(toShape(image, set.height, set.width, set.channels, height, width, channels), i * pixels);
  }
  return createImageSet({ name: set.name, images, labels: set.labels.slice(0, set.count), height, width, channels });
}
