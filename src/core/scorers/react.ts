import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { energyOfLogits } from './energy';
import { collectFeatures, type FeatureSample, modelScorerOutputs, requireFeatures, requireLastLayer, scoresOf } from './forward';
import { positiveOption, rejectOtherOptions } from './scorerOptions';
import type { Scorer, ScorerFactory, ScorerOptions, ScorerOutputs } from './types';

/** numpy's default percentile (linear interpolation between closest ranks), p in [0, 100]. */
export function percentile(values: Float32Array, p: number): number {
  const sorted = Float32Array.from(values).sort();
  const position = ((sorted.length - 1) * p) / 100;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/**
 * ReAct (Sun et al. 2021): clip the penultimate activations at c = the p-th percentile (default 90)
 * of all activation values of the ID training sample, recompute the logits through the logits layer
 * (min(h, c) W + b), and score with energy T * logsumexp(f / T) (T = 1 by default).
 */
export function createReact(options: ScorerOptions = {}): Scorer {
  rejectOtherOptions('react', options, ['percentile', 'temperature']);
  const percentileLevel = positiveOption('react', 'percentile', options.percentile ?? 90, true);
  if (percentileLevel > 100) throw new UserInputError(`scorer 'react' option percentile=${percentileLevel} is invalid: expected 0..100`, String(percentileLevel), '0..100');
  const temperature = positiveOption('react', 'temperature', options.temperature ?? 1);
  let clipAt: number | undefined;
  const settings: Record<string, number> = { percentile: percentileLevel, temperature };
  const fitFeatures = (sample: FeatureSample) => {
    clipAt = percentile(sample.features, percentileLevel);
    settings.clipAt = clipAt;
  };
  const fromOutputs = (outputs: ScorerOutputs) => {
    if (clipAt === undefined) throw new Error('react: fit() must run before score()');
    const { kernel, bias } = requireLastLayer(outputs, 'react');
    const clipped = tf.minimum(requireFeatures(outputs, 'react'), clipAt);
    const logits = bias ? tf.add(tf.matMul(clipped, kernel), bias) : tf.matMul(clipped, kernel);
    return energyOfLogits(logits as tf.Tensor2D, temperature);
  };
  return {
    name: 'react',
    settings,
    async fit(model, idTrain) {
      fitFeatures(await collectFeatures(model, idTrain));
    },
    fitFeatures,
    score: (model, images) => scoresOf(() => fromOutputs(modelScorerOutputs(model, images, true))),
    scoreOutputs: (outputs) => scoresOf(() => fromOutputs(outputs)),
  };
}

export const REACT: ScorerFactory = {
  title: 'ReAct (clipped activations + energy)',
  defaults: { percentile: 90, temperature: 1 },
  needsFit: true,
  requires: { features: true, lastLayer: true },
  create: createReact,
};
