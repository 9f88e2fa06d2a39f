import type { ImageSet, ImageShape } from './types';

/** Builds an ImageSet, checking that the byte and label counts fit the shape. */
export function createImageSet(fields: {
  name: string;
  images: Uint8Array;
  labels: Int32Array;
  height: number;
  width: number;
  channels: number;
}): ImageSet {
  const { name, images, labels, height, width, channels } = fields;
  const count = labels.length;
  if (images.length !== count * height * width * channels) {
    throw new RangeError(`image set ${name}: ${images.length} bytes do not hold ${count} images of ${height}x${width}x${channels}`);
  }
  return { name, images, labels, count, height, width, channels };
}

export function imageShapeOf(set: ImageSet): ImageShape {
  return [set.height, set.width, set.channels];
}

export function formatShape(shape: readonly number[]): string {
  return shape.join('x');
}

/** A new ImageSet holding copies of the images at `indices`, in that order. */
export function subsetImageSet(set: ImageSet, indices: ArrayLike<number>, name = set.name): ImageSet {
  const pixels = set.height * set.width * set.channels;
  const images = new Uint8Array(indices.length * pixels);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!Number.isInteger(index) || index < 0 || index >= set.count) {
      throw new RangeError(`image index ${index} out of range for ${set.name} (${set.count} images)`);
    }
    images.set(set.images.subarray(index * pixels, (index + 1) * pixels), i * pixels);
    labels[i] = set.labels[index];
  }
  return createImageSet({ name, images, labels, height: set.height, width: set.width, channels: set.channels });
}
