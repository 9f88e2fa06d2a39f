/**
 * From byte images to the tensors a model eats, and the index work around it (shuffles,
 * held-out validation, --limit). Augmentation runs on the bytes before upload, so a batch costs
 * one pass over its pixels and one tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentImage, drawAugmentation, isIdentity } from './augmentation';
import type { Rng } from './rng';
import type { Augmentation, ImageSet, Normalization } from './types';

export { shuffledIndices } from './rng';
export { limitSet, splitValidation } from './subsets';

/**
 * The images at `indices` as float32 [n, h, w, c], each value (byte / 255 - mean[c]) / std[c].
 * With `augment`, each image is first cropped/flipped with draws from `augment.rng`.
 */
export function toTensor(
  set: ImageSet,
  indices: ArrayLike<number>,
  norm: Normalization,
  augment?: { aug: Augmentation; rng: Rng },
): tf.Tensor4D {
  const { height, width, channels } = set;
  if (norm.mean.length !== channels || norm.std.length !== channels) {
    throw new RangeError(`normalisation has ${norm.mean.length} means and ${norm.std.length} stds for ${channels}-channel images of ${set.name}`);
  }
  const pixels = height * width * channels;
  // A lookup table per channel: byte -> normalised value (256 * channels entries).
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    for (let b = 0; b < 256; b++) table[c * 256 + b] = (b / 255 - norm.mean[c]) / norm.std[c];
  }
  const out = new Float32Array(indices.length * pixels);
  const augmenting = augment !== undefined && !isIdentity(augment.aug);
  const scratch = augmenting ? new Uint8Array(pixels) : undefined;
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!(index >= 0 && index < set.count)) throw new RangeError(`image index ${index} out of range for ${set.name} (${set.count} images)`);
    let image = set.images.subarray(index * pixels, (index + 1) * pixels);
    if (scratch !== undefined && augment !== undefined) {
      augmentImage(image, scratch, height, width, channels, augment.aug.cropPadding, drawAugmentation(augment.aug, augment.rng));
      image = scratch;
    }
    const base = i * pixels;
    for (let p = 0; p < pixels; p++) out[base + p] = table[(p % channels) * 256 + image[p]];
  }
  return tf.tensor4d(out, [indices.length, height, width, channels], 'float32');
}

/** The labels at `indices`, int32 [n]. */
export function labelsTensor(set: ImageSet, indices: ArrayLike<number>): tf.Tensor1D {
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) labels[i] = set.labels[indices[i]];
  return tf.tensor1d(labels, 'int32');
}
