import * as tf from '@tensorflow/tfjs';
import { modelScorerOutputs, scoresOf } from './forward';
import { positiveOption, rejectOtherOptions } from './scorerOptions';
import type { Scorer, ScorerFactory, ScorerOptions } from './types';

/** T * logsumexp(f / T) per row, stable (tf.logSumExp shifts by the maximum). */
export function energyOfLogits(logits: tf.Tensor2D, temperature: number): tf.Tensor1D {
  return tf.tidy(() => tf.mul(tf.logSumExp(tf.div(logits, temperature), 1), temperature) as tf.Tensor1D);
}

/**
 * Energy score (Liu et al. 2020): the negative free energy T * logsumexp(f / T), higher = more ID.
 * T = 1 by default; the paper uses T = 0.1 (CIFAR-10) and 0.01 (CIFAR-100) on LogitNorm models,
 * whose logits have a small norm.
 */
export function createEnergy(options: ScorerOptions = {}): Scorer {
  rejectOtherOptions('energy', options, ['temperature']);
  const temperature = positiveOption('energy', 'temperature', options.temperature ?? 1);
  return {
    name: 'energy',
    settings: { temperature },
    score: (model, images) => scoresOf(() => energyOfLogits(modelScorerOutputs(model, images).logits, temperature)),
    scoreOutputs: (outputs) => scoresOf(() => energyOfLogits(outputs.logits, temperature)),
  };
}

export const ENERGY: ScorerFactory = { title: 'Energy score', defaults: { temperature: 1 }, needsFit: false, requires: {}, create: createEnergy };
