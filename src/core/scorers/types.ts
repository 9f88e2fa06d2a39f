import type * as tf from '@tensorflow/tfjs';
import type { FeatureSample } from './forward';

/**
 * One labelled batch of in-distribution training images, already normalised the way the model was
 * trained (NHWC float32), with their classes.
 */
export interface LabeledBatch {
  readonly images: tf.Tensor4D;
  readonly labels: Int32Array;
}

/**
 * What a scorer's `fit` reads: a sample of the ID training set, pulled batch by batch so the
 * scorer keeps only what it needs (penultimate features, class statistics), never all the images.
 *
 * Ownership: the source owns each batch's tensor. It is valid until the consumer asks for the next
 * batch or leaves the loop; the source disposes it then. Every call of `batches()` is a fresh pass
 * over the same samples in the same order.
 */
export interface IdTrainingData {
  readonly numClasses: number;
  /** How many samples a pass yields, when known up front (for progress and memory checks). */
  readonly count?: number;
  batches(): Iterable<LabeledBatch> | AsyncIterable<LabeledBatch>;
}

/**
 * The options every scorer may read; each scorer accepts only the ones it names in its registry
 * entry, so `--option epsilon=...` on `msp` is an error rather than silently ignored.
 */
export interface ScorerOptions {
  /** Softmax / energy temperature (msp, energy, odin, gradnorm, react). */
  temperature?: number;
  /** ODIN's perturbation size, in units of the [0, 1] pixel scale when inputStd is given. */
  epsilon?: number;
  /** Per-channel std of the model's input normalisation (ODIN divides its step by it), or one number for all. */
  inputStd?: number | readonly number[];
  /** ReAct: the percentile of ID training activations to clip at. */
  percentile?: number;
  /** KNN: which nearest neighbour's distance is the score. */
  neighbours?: number;
  /** Mahalanobis: ridge added to the covariance, relative to its mean variance. */
  ridge?: number;
}

export type ScorerOptionName = keyof ScorerOptions;

/** The final linear layer, logits = features . kernel + bias. */
export interface LastLayer {
  /** [d, k] */
  readonly kernel: tf.Tensor2D;
  /** [k], or undefined when the layer has no bias */
  readonly bias: tf.Tensor1D | undefined;
}

/**
 * What a model produced for a batch, for scorers that need no more than its outputs: an imported
 * ONNX model (run by ONNX Runtime, outside tfjs) reaches the scorers this way. The caller owns
 * every tensor. `features` (the input of the final linear layer) and `lastLayer` are absent when
 * the model's graph does not give them; a scorer that needs them says so in its factory's
 * `requires`.
 */
export interface ScorerOutputs {
  /** [N, k] raw logits */
  readonly logits: tf.Tensor2D;
  /** [N, d] penultimate features */
  readonly features?: tf.Tensor2D;
  readonly lastLayer?: LastLayer;
}

/** What a scorer needs beyond the logits; the evaluation of a model that lacks one skips it and says why. */
export interface ScorerRequirements {
  /** The penultimate features (knn, mahalanobis, react, gradnorm). */
  readonly features?: boolean;
  /** The final linear layer's weights (react, gradnorm). */
  readonly lastLayer?: boolean;
  /** Gradients of the model with respect to its input (odin's perturbation). */
  readonly inputGradient?: boolean;
}

/**
 * A post-hoc OOD scorer: higher score = more in-distribution. `score` reads a batch of normalised
 * images and returns one score per image; it makes no tensor that outlives the call.
 */
export interface Scorer {
  /** The registry name ('msp', 'energy', ...). */
  readonly name: string;
  /** The options in effect, defaults filled in, for results files and run names. */
  readonly settings: Readonly<Record<string, number | readonly number[]>>;
  /** Learns what the scorer needs from ID training data (class means, a feature bank, ...). */
  fit?(model: tf.LayersModel, idTrain: IdTrainingData): Promise<void>;
  score(model: tf.LayersModel, images: tf.Tensor4D): Float32Array;
  /**
   * The same from outputs a model already produced (no model to run): absent when the scorer needs
   * the model itself (odin differentiates it). Makes no tensor that outlives the call.
   */
  scoreOutputs?(outputs: ScorerOutputs): Float32Array;
  /** `fit` from penultimate features already collected (same result as `fit` on the model that made them). */
  fitFeatures?(sample: FeatureSample, numClasses: number): void;
  /** Frees tensors kept by `fit` (a feature bank, a precision matrix). Safe to call twice. */
  dispose?(): void;
}

/** A registry entry: how the CLI and the settings name, describe and build a scorer. */
/**
 * What the evaluation knows of the model and its data, handed to every scorer when it is made
 * (OpenOOD's `setup`): a scorer takes what it needs and ignores the rest, so the evaluation loop
 * names no scorer. Options (ScorerOptions) are what a user sets; this is what the data says.
 */
export interface ScorerSetup {
  /** Per-channel std of the model's input normalisation (ODIN divides its step by it). */
  inputStd?: readonly number[];
}

export interface ScorerFactory {
  readonly title: string;
  /** The options this scorer reads, with their defaults (undefined = no default). */
  readonly defaults: Readonly<Partial<Record<ScorerOptionName, number | readonly number[] | undefined>>>;
  /** True when the scorer must be fitted on ID training data before scoring. */
  readonly needsFit: boolean;
  /** What it needs beyond the logits (none: the logits are enough). */
  readonly requires: ScorerRequirements;
  create(options?: ScorerOptions, setup?: ScorerSetup): Scorer;
}
