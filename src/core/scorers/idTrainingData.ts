import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import type { ImageSet, Normalization } from '../data/types';
import type { IdTrainingData, LabeledBatch } from './types';

export interface IdSampleOptions {
  /** Images per batch (default 256). */
  batchSize?: number;
  /**
   * Use at most this many images, spread evenly over the set (image floor(i * count / limit)), so a
   * set stored class by class still gives every class. Default: all.
   */
  limit?: number;
}

function sampleIndices(count: number, limit: number | undefined): Int32Array {
  const n = limit === undefined ? count : Math.min(count, limit);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = Math.floor((i * count) / n);
  return indices;
}

/**
 * ID training data from an ImageSet of raw bytes, normalised per batch as the model saw it in
 * training: x = (byte / 255 - mean[c]) / std[c]. Each batch tensor is made when asked for and
 * disposed when the consumer moves on.
 */
export function idTrainingDataFromImageSet(
  set: ImageSet,
  normalization: Normalization,
  numClasses: number,
  options: IdSampleOptions = {},
): IdTrainingData {
  const { height, width, channels } = set;
  const { mean, std } = normalization;
  if (mean.length !== channels || std.length !== channels || std.some((s) => !(s > 0))) {
    throw new UserInputError(
      `normalisation mean ${JSON.stringify(mean)} / std ${JSON.stringify(std)} does not fit ${channels}-channel images of '${set.name}'`,
      set.name,
      `${channels} means and ${channels} positive stds`,
    );
  }
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserInputError(`batch size ${batchSize} is invalid: expected an integer >= 1`, String(batchSize), '>= 1');
  const indices = sampleIndices(set.count, options.limit);
  const pixels = height * width * channels;
  return {
    numClasses,
    count: indices.length,
    *batches(): Generator<LabeledBatch> {
      for (let start = 0; start < indices.length; start += batchSize) {
        const rows = Math.min(batchSize, indices.length - start);
        const values = new Float32Array(rows * pixels);
        const labels = new Int32Array(rows);
        for (let r = 0; r < rows; r++) {
          const source = indices[start + r] * pixels;
          labels[r] = set.labels[indices[start + r]];
          for (let p = 0; p < pixels; p++) {
            const c = p % channels;
            values[r * pixels + p] = (set.images[source + p] / 255 - mean[c]) / std[c];
          }
        }
        const images = tf.tensor4d(values, [rows, height, width, channels]);
        try {
          yield { images, labels };
        } finally {
          images.dispose();
        }
      }
    },
  };
}

/**
 * ID training data from an already normalised tensor the caller owns (and keeps): batches are
 * slices, made and disposed by the source.
 */
export function idTrainingDataFromTensor(
  images: tf.Tensor4D,
  labels: ArrayLike<number>,
  numClasses: number,
  batchSize = 256,
): IdTrainingData {
  const count = images.shape[0];
  if (labels.length !== count) {
    throw new UserInputError(`${count} images but ${labels.length} labels: expected one label per image`, String(labels.length), String(count));
  }
  const allLabels = Int32Array.from(labels);
  return {
    numClasses,
    count,
    *batches(): Generator<LabeledBatch> {
      for (let start = 0; start < count; start += batchSize) {
        const rows = Math.min(batchSize, count - start);
        const batch = tf.slice(images, [start, 0, 0, 0], [rows, -1, -1, -1]);
        try {
          yield { images: batch, labels: allLabels.slice(start, start + rows) };
        } finally {
          batch.dispose();
        }
      }
    },
  };
}
