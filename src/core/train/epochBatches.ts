/**
 * One epoch's training batches, exactly as the trainer feeds them: a seeded shuffle of the
 * training set, then, step by step, the images in that order, cropped and flipped as the run's
 * `augment` says (data/augmentation.ts), normalised. The shuffle and the augmentation draws come
 * from one generator seeded by the run's seed and the epoch, so a resumed run sees the same
 * batches; the steps must be taken in order, as the draws follow each other.
 */
import type * as tf from '@tensorflow/tfjs';
import { augmentModeOf, describeAugmentation, resolveAugmentation } from '../data/augmentation';
import { toTensor } from '../data/batches';
import { createRng, deriveSeed, shuffledIndices } from '../data/rng';
import type { Augmentation, ImageSet, LabeledDataset } from '../data/types';
import type { TrainConfig } from './config';

/** The augmentation a run trains with, and a line saying which and why. */
export function runAugmentation(config: Pick<TrainConfig, 'augment'>, dataset: Pick<LabeledDataset, 'name' | 'augmentation'>): { augmentation: Augmentation; summary: string } {
  const augmentation = resolveAugmentation(config.augment, dataset.augmentation);
  const asked = augmentModeOf(config.augment);
  const why = asked === 'auto' ? ` (auto: ${dataset.name}'s default)` : '';
  return { augmentation, summary: `augmentation: ${describeAugmentation(augmentation)}${why}` };
}

export interface EpochBatches {
  readonly stepsPerEpoch: number;
  /** The training-set indices of a step's batch. */
  indices(step: number): Uint32Array | Int32Array;
  /** A step's images as the network trains on them; call once per step, in order. */
  images(step: number): tf.Tensor4D;
}

export function epochBatches(config: Pick<TrainConfig, 'seed' | 'batchSize'>, trainSet: ImageSet, dataset: Pick<LabeledDataset, 'normalization'>, augmentation: Augmentation, epoch: number): EpochBatches {
  const rng = createRng(deriveSeed(config.seed, `epoch-${epoch}`));
  const order = shuffledIndices(trainSet.count, rng);
  const stepsPerEpoch = Math.ceil(trainSet.count / config.batchSize);
  const indices = (step: number) => order.subarray(step * config.batchSize, Math.min(trainSet.count, (step + 1) * config.batchSize));
  return {
    stepsPerEpoch,
    indices,
    images: (step) => toTensor(trainSet, indices(step), dataset.normalization, { aug: augmentation, rng }),
  };
}
