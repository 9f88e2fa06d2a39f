import * as tf from '@tensorflow/tfjs';
import { modelScorerOutputs, scoresOf } from './forward';
import { rejectOtherOptions } from './scorerOptions';
import type { Scorer, ScorerFactory, ScorerOptions } from './types';

/** MaxLogit (Hendrycks et al. 2022): max_j f_j, the largest raw logit. */
export function createMaxLogit(options: ScorerOptions = {}): Scorer {
  rejectOtherOptions('maxlogit', options, []);
  return {
    name: 'maxlogit',
    settings: {},
    score: (model, images) => scoresOf(() => tf.max(modelScorerOutputs(model, images).logits, 1)),
    scoreOutputs: (outputs) => scoresOf(() => tf.max(outputs.logits, 1)),
  };
}

export const MAX_LOGIT: ScorerFactory = { title: 'Maximum logit', defaults: {}, needsFit: false, requires: {}, create: createMaxLogit };
