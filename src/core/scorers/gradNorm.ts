import * as tf from '@tensorflow/tfjs';
import { modelScorerOutputs, requireFeatures, scoresOf } from './forward';
import { positiveOption, rejectOtherOptions } from './scorerOptions';
import type { Scorer, ScorerFactory, ScorerOptions } from './types';

/**
 * GradNorm (Huang et al. 2021) in closed form. Per sample, with features h (the input of the logits
 * layer), logits f = h W + b (W is the kernel [d, k]), p = softmax(f / T) and u = 1/k:
 *
 *   L = KL(u || p) = sum_j u log u - sum_j u log p_j
 *   dL/df_j   = (p_j - u) / T                       (softmax cross-entropy against the soft target u)
 *   dL/dW_dj  = h_d (p_j - u) / T                   (an outer product h (p - u)^T / T)
 *   ||dL/dW||_1 = sum_d sum_j |h_d| |p_j - u| / T = ||h||_1 * ||p - u||_1 / T
 *
 * The L1 norm of an outer product factorises, so no gradient has to be taken. As in the official
 * code only the weight matrix counts (not the bias), per sample (their batch size is 1), T = 1 by
 * default. Their code uses all-ones targets (sum_j -log p_j), which is k times KL's gradient: the
 * same ranking, a k-times larger number. Higher = more ID, as in their paper.
 */
export function gradNormOfOutputs(features: tf.Tensor2D, logits: tf.Tensor2D, temperature: number): tf.Tensor1D {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const p = tf.softmax(tf.div(logits, temperature));
    const probabilityGap = tf.sum(tf.abs(tf.sub(p, 1 / numClasses)), 1);
    const featureL1 = tf.sum(tf.abs(features), 1);
    return tf.div(tf.mul(featureL1, probabilityGap), temperature) as tf.Tensor1D;
  });
}

export function createGradNorm(options: ScorerOptions = {}): Scorer {
  rejectOtherOptions('gradnorm', options, ['temperature']);
  const temperature = positiveOption('gradnorm', 'temperature', options.temperature ?? 1);
  return {
    name: 'gradnorm',
    settings: { temperature },
    score: (model, images) =>
      scoresOf(() => {
        const outputs = modelScorerOutputs(model, images);
        return gradNormOfOutputs(requireFeatures(outputs, 'gradnorm'), outputs.logits, temperature);
      }),
    // The closed form needs the features that enter the final linear layer (not its weights: the
    // logits already hold h W + b); `requires.lastLayer` makes sure the features are that input.
    scoreOutputs: (outputs) => scoresOf(() => gradNormOfOutputs(requireFeatures(outputs, 'gradnorm'), outputs.logits, temperature)),
  };
}

export const GRAD_NORM: ScorerFactory = { title: 'GradNorm', defaults: { temperature: 1 }, needsFit: false, requires: { features: true, lastLayer: true }, create: createGradNorm };
