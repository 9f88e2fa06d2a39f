/**
 * A folder of PNG/JPEG images with one sub-folder per class (class = sub-folder name, labels in
 * sorted name order):
 *   <root>/<class>/<image>              split deterministically, per class, into train and test
 *   <root>/train/<class>/..., <root>/test/<class>/...   the given split is used as it is
 * Every image is converted to the target channel count and resized (bilinear) to the target
 * height and width. Files whose names do not end in .png/.jpg/.jpeg are ignored (and counted in
 * the log); one that does but does not decode is a UserInputError naming it.
 *
 * The split without train/ and test/: per class, the files sorted by name are shuffled with a
 * fixed seed (derived from the class name, not the run's seed, so every run and every
 * evaluation sees the same test images) and the first round(n * testFraction) are test images
 * (at least one when the class has two or more).
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { UserInputError } from '../errors';
import { NO_AUGMENTATION } from './augmentation';
import { decodeImageFile } from './imageDecode';
import { createImageSet, formatShape } from './imageSet';
import { computeNormalization } from './normalization';
import { toShape } from './resize';
import { createRng, deriveSeed, shuffledIndices } from './rng';
import type { ImageSet, ImageShape, LabeledDataset } from './types';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];
export const DEFAULT_TEST_FRACTION = 0.2;

export interface ImageFolderOptions {
  /** Target [height, width, channels]; default: the first image's size, 1 channel if it is gray else 3. */
  shape?: ImageShape;
  /** Share of each class held out as test images when there is no train/ + test/ split. */
  testFraction?: number;
  log?: (message: string) => void;
}

function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function visibleEntries(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => !name.startsWith('.'))
    .sort();
}

interface FileListing {
  images: string[];
  ignored: number;
}

/** Image files directly in `folder` (recursive = also in its sub-folders), sorted by path. */
function listImageFiles(folder: string, recursive: boolean): FileListing {
  const listing: FileListing = { images: [], ignored: 0 };
  for (const name of visibleEntries(folder)) {
    const path = join(folder, name);
    if (isDirectory(path)) {
      if (!recursive) continue;
      const inner = listImageFiles(path, true);
      listing.images.push(...inner.images);
      listing.ignored += inner.ignored;
    } else if (isImageFileName(name)) {
      listing.images.push(path);
    } else {
      listing.ignored++;
    }
  }
  return listing;
}

function requireFolder(path: string, what: string): void {
  if (!isDirectory(path)) {
    throw new UserInputError(`${what} ${path} is not a folder`, path, 'a folder of images');
  }
}

/** The shape of the first image, for when the caller gives none. */
function shapeOfFirstImage(path: string): ImageShape {
  const image = decodeImageFile(path);
  return [image.height, image.width, image.isGray ? 1 : 3];
}

function validateShape(shape: ImageShape, source: string): void {
  const [height, width, channels] = shape;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || (channels !== 1 && channels !== 3)) {
    throw new UserInputError(`image shape ${formatShape(shape)} for ${source} is not valid`, formatShape(shape), 'HxWxC with C = 1 or 3');
  }
}

/** Decodes, converts and resizes `files` into one ImageSet with the given labels. */
export function readImages(files: string[], labels: number[], shape: ImageShape, name: string): ImageSet {
  const [height, width, channels] = shape;
  const pixels = height * width * channels;
  const images = new Uint8Array(files.length * pixels);
  files.forEach((file, i) => {
    const decoded = decodeImageFile(file);
    images.set(toShape(decoded.rgba, decoded.height, decoded.width, 4, height, width, channels), i * pixels);
  });
  return createImageSet({ name, images, labels: Int32Array.from(labels), height, width, channels });
}

interface ClassFiles {
  className: string;
  files: string[];
}

function listClasses(folder: string, log: (message: string) => void): ClassFiles[] {
  let ignored = 0;
  const classes = visibleEntries(folder)
    .filter((name) => isDirectory(join(folder, name)))
    .map((className) => {
      const listing = listImageFiles(join(folder, className), true);
      ignored += listing.ignored;
      return { className, files: listing.images };
    });
  if (ignored > 0) log(`${folder}: ignored ${ignored} files that are not ${IMAGE_EXTENSIONS.join('/')}`);
  return classes;
}

function splitFiles(classes: ClassFiles[], testFraction: number): { train: ClassFiles[]; test: ClassFiles[] } {
  const train: ClassFiles[] = [];
  const test: ClassFiles[] = [];
  for (const { className, files } of classes) {
    const order = shuffledIndices(files.length, createRng(deriveSeed(0, `image-folder-split/${className}`)));
    let testCount = Math.round(files.length * testFraction);
    if (testCount === 0 && files.length >= 2 && testFraction > 0) testCount = 1;
    const testIndices = Array.from(order.subarray(0, testCount)).sort((a, b) => a - b);
    const testSet = new Set(testIndices);
    test.push({ className, files: testIndices.map((i) => files[i]) });
    train.push({ className, files: files.filter((_, i) => !testSet.has(i)) });
  }
  return { train, test };
}

function flatten(classes: ClassFiles[], classNames: string[]): { files: string[]; labels: number[] } {
  const files: string[] = [];
  const labels: number[] = [];
  for (const { className, files: classFiles } of classes) {
    const label = classNames.indexOf(className);
    for (const file of classFiles) {
      files.push(file);
      labels.push(label);
    }
  }
  return { files, labels };
}

export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<LabeledDataset> {
  const log = options.log ?? (() => undefined);
  requireFolder(root, 'image folder');
  const name = basename(root) || root;
  const hasGivenSplit = isDirectory(join(root, 'train')) && isDirectory(join(root, 'test'));
  let trainClasses: ClassFiles[];
  let testClasses: ClassFiles[];
  if (hasGivenSplit) {
    trainClasses = listClasses(join(root, 'train'), log);
    testClasses = listClasses(join(root, 'test'), log);
  } else {
    const testFraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
    if (!(testFraction >= 0 && testFraction < 1)) {
      throw new UserInputError(`test fraction ${testFraction} for ${root} is not in [0, 1)`, String(testFraction), 'a number in [0, 1)');
    }
    ({ train: trainClasses, test: testClasses } = splitFiles(listClasses(root, log), testFraction));
  }
  const classNames = trainClasses.filter((c) => c.files.length > 0).map((c) => c.className);
  if (classNames.length === 0) {
    const layout = hasGivenSplit ? `${join(root, 'train')}/<class>/<image>` : `${root}/<class>/<image>`;
    throw new UserInputError(`image folder ${root} has no class sub-folders with PNG/JPEG images (expected ${layout})`, root, layout);
  }
  const unknownTestClass = testClasses.find((c) => c.files.length > 0 && !classNames.includes(c.className));
  if (unknownTestClass !== undefined) {
    throw new UserInputError(
      `${join(root, 'test', unknownTestClass.className)} is a class that ${join(root, 'train')} does not have`,
      unknownTestClass.className,
      `one of ${classNames.join(', ')}`,
    );
  }
  const train = flatten(trainClasses, classNames);
  const test = flatten(testClasses, classNames);
  const shape = options.shape ?? shapeOfFirstImage(train.files[0]);
  validateShape(shape, root);
  const started = Date.now();
  const trainSet = readImages(train.files, train.labels, shape, name);
  const testSet = readImages(test.files, test.labels, shape, name);
  log(
    `${root}: ${classNames.length} classes, ${trainSet.count} train + ${testSet.count} test images ` +
      `(${hasGivenSplit ? 'given train/ and test/' : 'split per class'}) at ${formatShape(shape)}, ` +
      `read in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    name,
    classNames,
    numClasses: classNames.length,
    train: trainSet,
    test: testSet,
    normalization: computeNormalization(trainSet),
    augmentation: NO_AUGMENTATION,
  };
}

/**
 * Every image under `root` (any depth, sorted by path), unlabelled (-1), at `shape`: an OOD set
 * such as Textures or Places from the user's disk. With `count` below the number of files, a
 * seeded choice of `count` files (kept in path order) is decoded, and only those.
 */
export function loadUnlabeledImageFolder(
  root: string,
  shape: ImageShape,
  options: { count?: number; seed?: number; log?: (message: string) => void } = {},
): ImageSet {
  const log = options.log ?? (() => undefined);
  requireFolder(root, 'image folder');
  validateShape(shape, root);
  const listing = listImageFiles(root, true);
  if (listing.images.length === 0) {
    throw new UserInputError(`image folder ${root} holds no PNG/JPEG images`, root, 'a folder with .png/.jpg/.jpeg files');
  }
  if (listing.ignored > 0) log(`${root}: ignored ${listing.ignored} files that are not ${IMAGE_EXTENSIONS.join('/')}`);
  let files = listing.images;
  if (options.count !== undefined && options.count < files.length) {
    const order = shuffledIndices(files.length, createRng(deriveSeed(options.seed ?? 0, 'image-folder-sample')));
    const chosen = Array.from(order.subarray(0, Math.max(0, options.count))).sort((a, b) => a - b);
    files = chosen.map((i) => listing.images[i]);
  }
  log(`${root}: reading ${files.length} of ${listing.images.length} images (e.g. ${relative(root, listing.images[0])}) at ${formatShape(shape)}`);
  return readImages(files, files.map(() => -1), shape, basename(root) || root);
}
