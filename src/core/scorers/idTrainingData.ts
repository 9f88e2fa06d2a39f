import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { toTensor } from '../data/batches';
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
 * training (data/batches `toTensor`: x = (byte / 255 - mean[c]) / std[c]), without augmentation.
 * Each batch tensor is made when asked for and disposed when the consumer moves on.
 */
export function idTrainingDataFromImageSet(
  set: ImageSet,
  normalization: Normalization,
  numClasses: number,
  options: IdSampleOptions = {},
): IdTrainingData {
  const { channels } = set;
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
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit >= 1)) {
    throw new UserInputError(`sample limit ${options.limit} is invalid: expected an integer >= 1`, String(options.limit), 'an integer >= 1');
  }
  const indices = sampleIndices(set.count, options.limit);
  return {
    numClasses,
    count: indices.length,
    *batches(): Generator<LabeledBatch> {
      for (let start = 0; start < indices.length; start += batchSize) {
        const batchIndices = indices.subarray(start, Math.min(start + batchSize, indices.length));
        const labels = Int32Array.from(batchIndices, (i) => set.labels[i]);
        const images = toTensor(set, batchIndices, normalization);
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
