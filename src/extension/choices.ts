/**
 * The names a user picks among in the quick picks: the engine's registries, as the CLI spells
 * them (`ood-lens train --help`, `ood-lens evaluate --help`). Kept here as plain lists because the
 * extension must not import the engine (it would load tfjs); the engine checks every name again
 * and answers an unknown one with a one-line error.
 */
export const DATASETS = ['mnist', 'fashion-mnist', 'cifar10', 'cifar100'] as const;
export const ARCHITECTURES = ['mlp', 'lenet', 'cnn', 'cnn-bn', 'wrn-40-2', 'resnet18', 'resnet34', 'densenet-bc-100'] as const;
export const LOSSES = ['logitnorm', 'ce', 'logitpenalty'] as const;
export const OOD_SETS = ['fashion-mnist', 'mnist', 'gaussian', 'uniform', 'cifar10', 'cifar100'] as const;
export const SCORERS = ['msp', 'odin', 'energy', 'gradnorm', 'maxlogit', 'react', 'knn', 'mahalanobis'] as const;
/** The engine's preprocessing presets (core/imported/preprocessing.ts PREPROCESSING_PRESETS). */
export const PREPROCESSING_PRESETS = ['cifar10', 'cifar100', 'imagenet', 'none'] as const;
export const PREPROCESSING_PRESET_DETAILS: Record<string, string> = {
  cifar10: 'mean 0.4914,0.4822,0.4465 · std 0.247,0.2435,0.2616',
  cifar100: 'mean 0.5071,0.4865,0.4409 · std 0.2673,0.2564,0.2762',
  imagenet: 'mean 0.485,0.456,0.406 · std 0.229,0.224,0.225 (torchvision), 224x224 when the model leaves the size open',
  none: 'x = byte / 255, no mean or std',
};
export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const SCHEDULES = ['cosine+warmup:1', 'step:80,140', 'cosine', 'constant', 'step:80,140+warmup:1'] as const;
/** The settings' values that mean "the engine's recipe for the architecture" (no flag passed). */
export const AUTO_LEARNING_RATE = 0;
export const AUTO_SCHEDULE = 'auto';
export const EPOCH_CHOICES = [1, 2, 5, 10, 20, 50, 100, 200] as const;

export const ARCHITECTURE_DETAILS: Record<string, string> = {
  mlp: '784-256-256-10, seconds an epoch (lr 0.01)',
  lenet: 'LeNet-5, no batch norm (lr 0.01)',
  cnn: 'small CNN, batch norm after the convs only (lr 0.01)',
  'cnn-bn': 'small CNN with batch norm before the logits, as the paper\'s WRN (lr 0.1, the paper\'s recipe)',
  'wrn-40-2': 'WideResNet-40-2, the paper\'s CIFAR network (slow without a GPU)',
  resnet18: 'ResNet-18',
  resnet34: 'ResNet-34',
  'densenet-bc-100': 'DenseNet-BC-100',
};

/** Items with the default first and marked, then the others in list order. */
export function defaultFirst<T>(values: readonly T[], preferred: T): T[] {
  return [preferred, ...values.filter((value) => value !== preferred)];
}
