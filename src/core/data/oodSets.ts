/**
 * OOD sets by name: synthetic noise (`gaussian`, `uniform`) made at exactly the requested shape;
 * any named in-distribution data set (its test split, which must have that shape); or a folder
 * path (every image under it, resized to the shape). Labels are -1: an OOD set has none of the
 * in-distribution classes.
 */
import { existsSync } from 'node:fs';
import { UserInputError } from '../errors';
import { formatShape, requireShape } from './imageSet';
import { loadUnlabeledImageFolder } from './imageFolder';
import { noiseSet, type NoiseKind } from './noise';
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
    requireShape(dataset.test, shape, 'OOD set');
    const limited = limitSet(dataset.test, count, seed);
    return { ...limited, name, labels: new Int32Array(limited.count).fill(-1) };
  }
  if (existsSync(name)) {
    return loadUnlabeledImageFolder(name, shape, { count, seed, log: opts.log });
  }
  const known = knownOodSetNames().join(', ');
  throw new UserInputError(`unknown OOD set '${name}': expected one of ${known}, or a folder of images`, name, `${known}, or a folder path`);
}
