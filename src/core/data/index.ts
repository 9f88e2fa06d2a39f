/** The data layer's public API. batches.ts (which loads TensorFlow.js) is exported from here too. */
export * from './types';
export { loadDataset, DATASETS, type DatasetLoader } from './registry';
export { loadOodSet, knownOodSetNames, NOISE_SET_NAMES, type OodSetOptions } from './oodSets';
export { toTensor, labelsTensor } from './batches';
export { limitSet, limitTestSet, splitValidation } from './subsets';
export { createRng, deriveSeed, shuffledIndices, type Rng } from './rng';
export { defaultCacheDir } from './cacheDir';
export { loadImageFolder, loadUnlabeledImageFolder, type ImageFolderOptions } from './imageFolder';
export { computeNormalization, MNIST_NORMALIZATION, FASHION_MNIST_NORMALIZATION, CIFAR_NORMALIZATION } from './normalization';
export { NO_AUGMENTATION, CIFAR_AUGMENTATION, AUGMENT_MODES, augmentModeOf, isAugmentMode, resolveAugmentation, describeAugmentation, type AugmentMode } from './augmentation';
export { parseIdx, readIdxFile, encodeUbyteIdx } from './idx';
export { createImageSet, subsetImageSet, imageShapeOf } from './imageSet';
