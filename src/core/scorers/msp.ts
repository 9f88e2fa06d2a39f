import * as tf from '@tensorflow/tfjs';
import { modelScorerOutputs, scoresOf } from './forward';
import { positiveOption, rejectOtherOptions } from './scorerOptions';
import type { Scorer, ScorerFactory, ScorerOptions, ScorerOutputs } from './types';

/**
 * MSP (Hendrycks & Gimpel 2017): max_j softmax(f / T)_j, T = 1 by default (the paper's baseline
 * and the score of Tables 1, 3, 5). The temperature option matches the paper's code's `--T`.
 */
export function createMsp(options: ScorerOptions = {}): Scorer {
  rejectOtherOptions('msp', options, ['temperature']);
  const temperature = positiveOption('msp', 'temperature', options.temperature ?? 1);
  const fromOutputs = (o: ScorerOutputs) => tf.max(tf.softmax(tf.div(o.logits, temperature)), 1);
  return {
    name: 'msp',
    settings: { temperature },
    score: (model, images) => scoresOf(() => fromOutputs(modelScorerOutputs(model, images))),
    scoreOutputs: (outputs) => scoresOf(() => fromOutputs(outputs)),
  };
}

export const MSP: ScorerFactory = { title: 'Maximum softmax probability', defaults: { temperature: 1 }, needsFit: false, requires: {}, create: createMsp };
