/**
 * The named in-distribution data sets, and the one entry point that loads any of them. A name
 * that is not in the registry but is an existing folder is read as an image folder (one
 * sub-folder per class). DataOptions.limit keeps a seeded choice of that many images per split.
 */
import { statSync } from 'node:fs';
import { UserInputError } from '../errors';
import { CIFAR10_LAYOUT, CIFAR100_LAYOUT, loadCifar } from './cifar';
import { loadFashionMnist } from './fashionMnist';
import { loadImageFolder } from './imageFolder';
import { loadMnist } from './mnist';
import { deriveSeed } from './rng';
import { limitSet } from './subsets';
import type { DataOptions, LabeledDataset } from './types';

export type DatasetLoader = (opts: DataOptions) => Promise<LabeledDataset>;

export const DATASETS: Record<string, DatasetLoader> = {
  mnist: loadMnist,
  'fashion-mnist': loadFashionMnist,
  cifar10: (opts) => loadCifar(CIFAR10_LAYOUT, opts),
  cifar100: (opts) => loadCifar(CIFAR100_LAYOUT, opts),
};

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export async function loadDataset(name: string, opts: DataOptions = {}): Promise<LabeledDataset> {
  let dataset: LabeledDataset;
  if (Object.prototype.hasOwnProperty.call(DATASETS, name)) {
    dataset = await DATASETS[name](opts);
  } else if (isFolder(name)) {
    dataset = await loadImageFolder(name, { shape: opts.imageShape, log: opts.log });
  } else {
    const known = Object.keys(DATASETS).join(', ');
    throw new UserInputError(`unknown dataset '${name}': expected one of ${known}, or a folder of images`, name, `${known}, or a folder path`);
  }
  if (opts.limit === undefined) return dataset;
  const seed = opts.seed ?? 0;
  return {
    ...dataset,
    train: limitSet(dataset.train, opts.limit, deriveSeed(seed, 'train')),
    test: limitSet(dataset.test, opts.limit, deriveSeed(seed, 'test')),
  };
}
