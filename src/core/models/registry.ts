import type * as tf from '@tensorflow/tfjs';
import { lookup, UserInputError } from '../errors';
import { buildSmallCnn } from './cnn';
import { buildCnnBn } from './cnnBn';
import { denseNetBC } from './denseNet';
import { buildLeNet } from './lenet';
import { buildMlp } from './mlp';
import { resNet } from './resNet';
import type { ModelFactory, ModelSpec } from './types';
import { wideResNet } from './wideResNet';
// Registers the SeededDropout layer class with tfjs's serialisation, so that
// tf.loadLayersModel can read back checkpoints of models that have dropout.
import './seededDropout';

/** Every architecture, by the name the CLI and the settings use. */
export const MODELS: Record<string, ModelFactory> = {
  mlp: buildMlp,
  lenet: buildLeNet,
  cnn: buildSmallCnn,
  'cnn-bn': buildCnnBn,
  'wrn-40-2': wideResNet(40, 2),
  resnet18: resNet([2, 2, 2, 2]),
  resnet34: resNet([3, 4, 6, 3]),
  'densenet-bc-100': denseNetBC(100, 12, 0.5),
};

/**
 * Builds the architecture spec.arch names, outputs [logits, penultimate features] (types.ts).
 * Throws a UserInputError for an unknown name, an input shape, class count, seed or dropout that
 * cannot be, or an input too small for the architecture.
 */
export function buildModel(spec: ModelSpec): tf.LayersModel {
  const factory = lookup(MODELS, spec.arch, 'architecture');
  validateSpec(spec);
  return factory(spec);
}

/** The number of trainable parameters (batch norm's moving statistics are not trainable). */
export function countTrainableParams(model: tf.LayersModel): number {
  let total = 0;
  for (const weight of model.trainableWeights) total += weight.shape.reduce<number>((product, d) => product * (d ?? 1), 1);
  return total;
}

function validateSpec(spec: ModelSpec): void {
  const shape = spec.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    const given = Array.isArray(shape) ? shape.join('x') : String(shape);
    throw new UserInputError(`input shape ${given} is not an image shape: expected [height, width, channels] of positive integers`, given, '[height, width, channels]');
  }
  if (!Number.isInteger(spec.numClasses) || spec.numClasses < 2) {
    throw new UserInputError(`class count ${spec.numClasses} cannot be: expected an integer of at least 2`, String(spec.numClasses), 'an integer >= 2');
  }
  if (!Number.isFinite(spec.seed)) {
    throw new UserInputError(`seed ${spec.seed} is not a number: expected a finite number`, String(spec.seed), 'a finite number');
  }
  if (spec.dropout !== undefined && !(spec.dropout >= 0 && spec.dropout < 1)) {
    throw new UserInputError(`dropout ${spec.dropout} is not a rate: expected a number in [0, 1)`, String(spec.dropout), 'a number in [0, 1)');
  }
}
