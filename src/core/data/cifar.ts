/**
 * CIFAR-10 and CIFAR-100 from the official binary versions
 * (https://www.cs.toronto.edu/~kriz/cifar.html), which the user downloads and unpacks:
 *   cifar-10-batches-bin/data_batch_1.bin ... data_batch_5.bin, test_batch.bin
 *     each record: 1 label byte, then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, rows of 32)
 *   cifar-100-binary/train.bin, test.bin
 *     each record: 1 coarse label byte, 1 fine label byte, then the same 3072 pixel bytes
 * (fine labels are used). The folder may be given itself or as its parent (`dataDir`), and is
 * also looked for in the cache folder. Pixels are turned from planar CHW into HWC.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserInputError } from '../errors';
import { CIFAR_AUGMENTATION } from './augmentation';
import { defaultCacheDir } from './cacheDir';
import { createImageSet } from './imageSet';
import { CIFAR_NORMALIZATION } from './normalization';
import type { DataOptions, ImageSet, LabeledDataset } from './types';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXEL_BYTES = 3 * PLANE;

export const CIFAR10_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export const CIFAR100_CLASS_NAMES = [
  'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle', 'bottle',
  'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel', 'can', 'castle', 'caterpillar', 'cattle',
  'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup', 'dinosaur',
  'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster', 'house', 'kangaroo', 'keyboard',
  'lamp', 'lawn_mower', 'leopard', 'lion', 'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain',
  'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree',
  'plain', 'plate', 'poppy', 'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket',
  'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake', 'spider',
  'squirrel', 'streetcar', 'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone', 'television', 'tiger', 'tractor',
  'train', 'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf', 'woman', 'worm',
];

/** One of the two binary layouts. */
export interface CifarLayout {
  readonly name: 'cifar10' | 'cifar100';
  readonly folderName: string;
  readonly trainFiles: string[];
  readonly testFiles: string[];
  /** Label bytes before the pixels of each record. */
  readonly labelBytes: number;
  /** Which of them is the label used. */
  readonly labelByteUsed: number;
  readonly numClasses: number;
  /** A text file in the folder with one class name a line, used when present. */
  readonly classNamesFile: string;
  readonly classNames: string[];
  readonly downloadUrl: string;
}

export const CIFAR10_LAYOUT: CifarLayout = {
  name: 'cifar10',
  folderName: 'cifar-10-batches-bin',
  trainFiles: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  testFiles: ['test_batch.bin'],
  labelBytes: 1,
  labelByteUsed: 0,
  numClasses: 10,
  classNamesFile: 'batches.meta.txt',
  classNames: CIFAR10_CLASS_NAMES,
  downloadUrl: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
};

export const CIFAR100_LAYOUT: CifarLayout = {
  name: 'cifar100',
  folderName: 'cifar-100-binary',
  trainFiles: ['train.bin'],
  testFiles: ['test.bin'],
  labelBytes: 2,
  labelByteUsed: 1,
  numClasses: 100,
  classNamesFile: 'fine_label_names.txt',
  classNames: CIFAR100_CLASS_NAMES,
  downloadUrl: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
};

function holdsBatches(folder: string, layout: CifarLayout): boolean {
  return [...layout.trainFiles, ...layout.testFiles].every((file) => existsSync(join(folder, file)));
}

/** The folder holding the batch files: `dataDir` itself, `<dataDir>/<folderName>`, or in the cache. */
export function findCifarFolder(layout: CifarLayout, opts: DataOptions): string {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const candidates: string[] = [];
  if (opts.dataDir !== undefined) candidates.push(opts.dataDir, join(opts.dataDir, layout.folderName));
  candidates.push(join(cacheDir, layout.folderName));
  const found = candidates.find((folder) => holdsBatches(folder, layout));
  if (found !== undefined) return found;
  const files = [...layout.trainFiles, ...layout.testFiles].join(', ');
  const where =
    opts.dataDir === undefined
      ? `set the data folder (--data-dir / oodLens.dataFolder) to the folder that holds ${layout.folderName}, or put ${layout.folderName} in ${cacheDir}`
      : `looked in ${candidates.join(', ')}; put the unpacked ${layout.folderName} folder in ${opts.dataDir}`;
  throw new UserInputError(
    `${layout.name}: no ${layout.folderName} folder with ${files} found (${where}; download ${layout.downloadUrl})`,
    opts.dataDir ?? '',
    `a folder holding ${layout.folderName}`,
  );
}

/** Reads batch files into one HWC ImageSet, checking the record size and the labels. */
export function readCifarBatches(paths: string[], layout: CifarLayout): ImageSet {
  const recordBytes = layout.labelBytes + PIXEL_BYTES;
  const contents = paths.map((path) => {
    const bytes = readFileSync(path);
    if (bytes.length === 0 || bytes.length % recordBytes !== 0) {
      throw new UserInputError(
        `${path} is not a ${layout.name} binary batch: ${bytes.length} bytes is not a whole number of ${recordBytes}-byte records ` +
          `(${layout.labelBytes} label byte${layout.labelBytes > 1 ? 's' : ''} + 3072 pixel bytes)`,
        path,
        `a multiple of ${recordBytes} bytes`,
      );
    }
    return { path, bytes };
  });
  const count = contents.reduce((n, { bytes }) => n + bytes.length / recordBytes, 0);
  const images = new Uint8Array(count * PIXEL_BYTES);
  const labels = new Int32Array(count);
  let index = 0;
  for (const { path, bytes } of contents) {
    for (let offset = 0; offset < bytes.length; offset += recordBytes, index++) {
      const label = bytes[offset + layout.labelByteUsed];
      if (label >= layout.numClasses) {
        throw new UserInputError(
          `${path}: record ${offset / recordBytes} has label ${label}, expected 0..${layout.numClasses - 1} (is this a ${layout.name} batch?)`,
          path,
          `labels 0..${layout.numClasses - 1}`,
        );
      }
      labels[index] = label;
      const pixels = offset + layout.labelBytes;
      const out = index * PIXEL_BYTES;
      for (let p = 0; p < PLANE; p++) {
        images[out + 3 * p] = bytes[pixels + p];
        images[out + 3 * p + 1] = bytes[pixels + PLANE + p];
        images[out + 3 * p + 2] = bytes[pixels + 2 * PLANE + p];
      }
    }
  }
  return createImageSet({ name: layout.name, images, labels, height: SIDE, width: SIDE, channels: 3 });
}

function readClassNames(folder: string, layout: CifarLayout): string[] {
  const path = join(folder, layout.classNamesFile);
  if (!existsSync(path)) return layout.classNames;
  const names = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return names.length === layout.numClasses ? names : layout.classNames;
}

export async function loadCifar(layout: CifarLayout, opts: DataOptions): Promise<LabeledDataset> {
  const folder = findCifarFolder(layout, opts);
  opts.log?.(`${layout.name}: reading binary batches from ${folder}`);
  return {
    name: layout.name,
    classNames: readClassNames(folder, layout),
    numClasses: layout.numClasses,
    train: readCifarBatches(layout.trainFiles.map((file) => join(folder, file)), layout),
    test: readCifarBatches(layout.testFiles.map((file) => join(folder, file)), layout),
    normalization: CIFAR_NORMALIZATION,
    augmentation: CIFAR_AUGMENTATION,
  };
}
