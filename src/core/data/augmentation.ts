/**
 * Training-time augmentation, applied to the bytes of one image before it is normalised:
 * the paper's CIFAR recipe (as torchvision's RandomCrop(32, padding=4) + RandomHorizontalFlip):
 * pad with zero bytes (black), crop back to the original size at a random offset, and mirror
 * left-right with probability 1/2.
 */
import type { Rng } from './rng';
import type { Augmentation } from './types';

export const NO_AUGMENTATION: Augmentation = { cropPadding: 0, horizontalFlip: false };
export const CIFAR_AUGMENTATION: Augmentation = { cropPadding: 4, horizontalFlip: true };

/**
 * What a run asks for (`--augment`, run.json's `augment`): `auto` the data set's default (CIFAR's
 * binary batches: crop-flip; MNIST, Fashion-MNIST and image folders: none, since a mirror image
 * may not keep a folder's class, as with digits or text), `none`, or `crop-flip`, the paper's
 * CIFAR recipe (pad 4 pixels, crop back at a random offset, mirror with probability 1/2) on any
 * data set. run.json files written before --augment hold a boolean: true meant the data set's
 * default (auto), false none.
 */
export const AUGMENT_MODES = ['auto', 'none', 'crop-flip'] as const;
export type AugmentMode = (typeof AUGMENT_MODES)[number];

/** One line on each mode, for the CLI's --help and the extension's quick pick. */
export const AUGMENT_MODE_DETAILS: Readonly<Record<AugmentMode, string>> = {
  auto: "the data set's own: crop-flip for CIFAR's binary batches, none for MNIST, Fashion-MNIST and image folders (a mirror image may not keep a folder's class)",
  none: 'the images as they are',
  'crop-flip': "the paper's random crop with 4-pixel zero padding and horizontal flip, on any data set",
};

export function isAugmentMode(value: unknown): value is AugmentMode {
  return typeof value === 'string' && (AUGMENT_MODES as readonly string[]).includes(value);
}

/** A config's `augment` as a mode: the booleans of older run.json files read as auto (true) and none (false), none at all as auto. */
export function augmentModeOf(value: AugmentMode | boolean | undefined): AugmentMode {
  return value === undefined || value === true ? 'auto' : value === false ? 'none' : value;
}

/** The augmentation a run trains with, from its config's `augment` and the data set's default. */
export function resolveAugmentation(value: AugmentMode | boolean | undefined, datasetDefault: Augmentation): Augmentation {
  const mode = augmentModeOf(value);
  if (mode === 'none') return NO_AUGMENTATION;
  if (mode === 'crop-flip') return CIFAR_AUGMENTATION;
  return datasetDefault;
}

/** "random crop with 4-pixel zero padding, horizontal flip with probability 1/2" or "none", for the training log. */
export function describeAugmentation(aug: Augmentation): string {
  if (isIdentity(aug)) return 'none';
  const parts = [aug.cropPadding > 0 ? `random crop with ${aug.cropPadding}-pixel zero padding` : '', aug.horizontalFlip ? 'horizontal flip with probability 1/2' : ''].filter(Boolean);
  return parts.join(', ');
}

/** The random choices for one image, drawn in this order: crop top, crop left, flip. */
export interface AugmentationDraw {
  /** Offsets into the padded image, in [0, 2 * padding]. */
  readonly top: number;
  readonly left: number;
  readonly flip: boolean;
}

export function drawAugmentation(aug: Augmentation, rng: Rng): AugmentationDraw {
  const top = aug.cropPadding > 0 ? rng.int(2 * aug.cropPadding + 1) : aug.cropPadding;
  const left = aug.cropPadding > 0 ? rng.int(2 * aug.cropPadding + 1) : aug.cropPadding;
  const flip = aug.horizontalFlip ? rng.next() < 0.5 : false;
  return { top, left, flip };
}

export function isIdentity(aug: Augmentation): boolean {
  return aug.cropPadding === 0 && !aug.horizontalFlip;
}

/**
 * Writes the augmented image into `out` (same size as `source`, HWC bytes). Output pixel (y, x)
 * is padded-image pixel (y + top, x + left), i.e. source pixel (y + top - p, x + left - p), zero
 * outside; a flip then mirrors the crop (crop-then-flip, as torchvision composes them).
 */
export function augmentImage(
  source: Uint8Array,
  out: Uint8Array,
  height: number,
  width: number,
  channels: number,
  padding: number,
  draw: AugmentationDraw,
): void {
  const shiftY = draw.top - padding;
  const shiftX = draw.left - padding;
  for (let y = 0; y < height; y++) {
    const sourceY = y + shiftY;
    for (let x = 0; x < width; x++) {
      const outX = draw.flip ? width - 1 - x : x;
      const sourceX = x + shiftX;
      const outOffset = (y * width + outX) * channels;
      if (sourceY < 0 || sourceY >= height || sourceX < 0 || sourceX >= width) {
        for (let c = 0; c < channels; c++) out[outOffset + c] = 0;
      } else {
        const sourceOffset = (sourceY * width + sourceX) * channels;
        for (let c = 0; c < channels; c++) out[outOffset + c] = source[sourceOffset + c];
      }
    }
  }
}
