import type * as tf from '@tensorflow/tfjs';

export interface ModelSpec {
  readonly arch: string;
  readonly inputShape: [height: number, width: number, channels: number];
  readonly numClasses: number;
  /** Dropout rate where the architecture has dropout (WRN: 0.3 in the paper). */
  readonly dropout?: number;
  /** Seeds every initialiser and dropout layer, so a run repeats on one backend. */
  readonly seed: number;
}

/**
 * Every architecture is a tfjs LayersModel with two outputs, in this order:
 *   [0] logits, shape [N, numClasses], made by a Dense layer named LOGITS_LAYER;
 *   [1] penultimate features, shape [N, featureDim] (the input of that Dense layer).
 * Scorers that work on features (GradNorm, ReAct, KNN, Mahalanobis) use output [1] and the
 * logits layer's kernel [featureDim, numClasses] and bias [numClasses].
 */
export const LOGITS_LAYER = 'logits';

export type ModelFactory = (spec: ModelSpec) => import('@tensorflow/tfjs').LayersModel;

export type { tf };
