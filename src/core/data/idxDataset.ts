/**
 * A data set stored as the four IDX files of the MNIST distribution:
 *   train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
 * (each may also be gzipped, with a .gz suffix, as the official downloads are).
 * MNIST and Fashion-MNIST use the same names, so one folder holds one data set.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserInputError } from '../errors';
import { writeFileAtomic } from '../runs/atomicWrite';
import { encodeUbyteIdx, readUbyteIdxFile } from './idx';
import { createImageSet } from './imageSet';
import type { ImageSet } from './types';

export type IdxSplit = 'train' | 't10k';

export const IDX_FILE_NAMES: readonly string[] = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

/** The path of one IDX file in `folder` (plain, else .gz), or undefined when neither exists. */
function idxFilePath(folder: string, fileName: string): string | undefined {
  for (const candidate of [join(folder, fileName), join(folder, `${fileName}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** True when `folder` holds all four IDX files. */
export function hasIdxDataset(folder: string): boolean {
  return IDX_FILE_NAMES.every((fileName) => idxFilePath(folder, fileName) !== undefined);
}

/** Reads one split (images + labels) and checks the two files agree and labels are < numClasses. */
export function readIdxSplit(folder: string, split: IdxSplit, name: string, numClasses: number): ImageSet {
  const imagesPath = idxFilePath(folder, `${split}-images-idx3-ubyte`) ?? join(folder, `${split}-images-idx3-ubyte`);
  const labelsPath = idxFilePath(folder, `${split}-labels-idx1-ubyte`) ?? join(folder, `${split}-labels-idx1-ubyte`);
  const images = readUbyteIdxFile(imagesPath, 3);
  const labels = readUbyteIdxFile(labelsPath, 1);
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new UserInputError(
      `${labelsPath} holds ${labels.dims[0]} labels but ${imagesPath} holds ${count} images`,
      labelsPath,
      `${count} labels`,
    );
  }
  const labelArray = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    if (label >= numClasses) {
      throw new UserInputError(`${labelsPath}: label ${label} at index ${i} is not a class of ${name} (0..${numClasses - 1})`, labelsPath, `labels 0..${numClasses - 1}`);
    }
    labelArray[i] = label;
  }
  return createImageSet({ name, images: images.data, labels: labelArray, height, width, channels: 1 });
}

/** Writes one split as two IDX files, each atomically (used for the cache). Gray images only. */
export function writeIdxSplit(folder: string, split: IdxSplit, set: ImageSet): void {
  if (set.channels !== 1) throw new RangeError(`IDX files hold gray images; ${set.name} has ${set.channels} channels`);
  const labels = Uint8Array.from(set.labels);
  // Each file is whole or absent; a folder counts as a data set only when all four files exist,
  // so a kill between two writes leaves a folder that is not recognised and is written again.
  writeFileAtomic(join(folder, `${split}-images-idx3-ubyte`), encodeUbyteIdx([set.count, set.height, set.width], set.images));
  writeFileAtomic(join(folder, `${split}-labels-idx1-ubyte`), encodeUbyteIdx([set.count], labels));
}
