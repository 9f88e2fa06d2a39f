// Inputs shared by the model tests (not a test file itself: no `.test.ts`).
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../../src/core/models/types';

export const MNIST_SHAPE: ModelSpec['inputShape'] = [28, 28, 1];
export const CIFAR_SHAPE: ModelSpec['inputShape'] = [32, 32, 3];

/** The small architectures, checked on MNIST-size inputs; the big ones on CIFAR-size inputs. */
export const SMALL_ARCHS = ['mlp', 'lenet', 'cnn', 'cnn-bn'] as const;
export const BIG_ARCHS = ['wrn-40-2', 'resnet18', 'resnet34', 'densenet-bc-100'] as const;

/**
 * A smaller input for the big networks in tests where the size does not matter (the same layers
 * and weights, a quarter of the work of 32x32x3 on the slow pure-JS backend).
 */
export const SMALL_CIFAR_SHAPE: ModelSpec['inputShape'] = [16, 16, 3];

/** The input size each architecture was published for. */
export function referenceShape(arch: string): ModelSpec['inputShape'] {
  return (SMALL_ARCHS as readonly string[]).includes(arch) ? MNIST_SHAPE : CIFAR_SHAPE;
}

/** MNIST size for the small architectures, 16x16x3 for the big ones. */
export function quickShape(arch: string): ModelSpec['inputShape'] {
  return (SMALL_ARCHS as readonly string[]).includes(arch) ? MNIST_SHAPE : SMALL_CIFAR_SHAPE;
}

/** A seeded batch of standard-normal images, the same in every run. */
export function seededImages(count: number, shape: ModelSpec['inputShape'], seed = 11): tf.Tensor4D {
  return tf.randomNormal([count, ...shape], 0, 1, 'float32', seed);
}
