/**
 * Index-level subsets of an ImageSet: a held-out validation split and --limit N. Kept apart from
 * batches.ts so that loaders can use them without loading TensorFlow.js.
 */
import { UserInputError } from '../errors';
import { subsetImageSet } from './imageSet';
import { createRng, deriveSeed, shuffledIndices } from './rng';
import type { ImageSet } from './types';

/**
 * Holds out round(count * fraction) images, chosen by a seeded shuffle, as a validation set; the
 * rest, in their original order, is the training set. Same seed, same split.
 */
export function splitValidation(set: ImageSet, fraction: number, seed: number): { train: ImageSet; val: ImageSet } {
  if (!(fraction > 0 && fraction < 1)) {
    throw new UserInputError(`validation fraction ${fraction} is not between 0 and 1`, String(fraction), 'a number in (0, 1)');
  }
  const order = shuffledIndices(set.count, createRng(deriveSeed(seed, 'validation-split')));
  const valCount = Math.round(set.count * fraction);
  if (valCount === 0 || valCount === set.count) {
    throw new UserInputError(
      `a validation fraction of ${fraction} of ${set.count} images of ${set.name} leaves an empty split`,
      String(fraction),
      'a fraction that leaves images on both sides',
    );
  }
  const valIndices = order.subarray(0, valCount).slice().sort();
  const trainIndices = order.subarray(valCount).slice().sort();
  return { train: subsetImageSet(set, trainIndices), val: subsetImageSet(set, valIndices, `${set.name}:validation`) };
}

/**
 * The ID test images a run with `--limit N` tests on, and the ones `evaluate --id-limit N` scores
 * (trained runs with the run's seed, imported models with --seed): a seeded random N, never the
 * first N, since image folders list their images class by class. The same seed and N give the
 * same images in both.
 */
export function limitTestSet(set: ImageSet, limit: number, seed: number): ImageSet {
  return limitSet(set, limit, deriveSeed(seed, 'limit-test'));
}

/** At most `limit` images, a seeded choice kept in original order (for --limit N); the set itself if it has no more. */
export function limitSet(set: ImageSet, limit: number, seed: number): ImageSet {
  if (!Number.isInteger(limit) || limit < 1) throw new UserInputError(`limit ${limit} is not a positive whole number`, String(limit), 'an integer >= 1');
  if (limit >= set.count) return set;
  const order = shuffledIndices(set.count, createRng(deriveSeed(seed, 'limit')));
  return subsetImageSet(set, order.subarray(0, limit).slice().sort());
}
