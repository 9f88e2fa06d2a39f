import type * as tf from '@tensorflow/tfjs';
import { lookup } from '../errors';
import { crossEntropyLoss } from './crossEntropy';
import { DEFAULT_TAU, logitNormLoss } from './logitNorm';
import { DEFAULT_LAMBDA, logitPenaltyLoss } from './logitPenalty';

export interface LossOptions {
  /** LogitNorm's temperature. */
  tau?: number;
  /** LogitPenalty's weight on the logit norm. */
  lambda?: number;
}

export type LossFunction = (logits: tf.Tensor2D, labels: tf.Tensor1D, options: LossOptions) => tf.Scalar;

export interface LossEntry {
  readonly title: string;
  readonly fn: LossFunction;
  /** The option this loss reads, with its default, for run names and reports. */
  readonly parameter?: { name: keyof LossOptions; default: number };
}

export const LOSSES: Record<string, LossEntry> = {
  ce: { title: 'Cross-entropy', fn: (logits, labels) => crossEntropyLoss(logits, labels) },
  logitnorm: { title: 'LogitNorm', fn: logitNormLoss, parameter: { name: 'tau', default: DEFAULT_TAU } },
  logitpenalty: { title: 'LogitPenalty', fn: logitPenaltyLoss, parameter: { name: 'lambda', default: DEFAULT_LAMBDA } },
};

export function getLoss(name: string): LossEntry {
  return lookup(LOSSES, name, 'loss');
}
