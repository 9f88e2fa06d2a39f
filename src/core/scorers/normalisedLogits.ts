import * as tf from '@tensorflow/tfjs';
import { LOGIT_NORM_EPS } from '../losses/logitNorm';
import { UserInputError } from '../errors';

/**
 * Scoring on normalised logits: the same scorers, fed f / (tau (||f|| + 1e-7)) (the vector the
 * LogitNorm loss trains on, Eq. 4) in place of the raw logits f. A LogitNorm model's raw norm
 * shrinks only slowly under weight decay, so raw-logit scores can hide what the loss learnt; this
 * shows the two side by side.
 *
 * Only the scorers that read nothing but the logits take part: GradNorm and ReAct recompute the
 * logits from the penultimate features and the last layer, KNN and Mahalanobis read the features.
 */
export const NORMALISED_LOGIT_SCORERS: readonly string[] = ['msp', 'maxlogit', 'energy', 'odin'];

/** A layer without weights: each row of its input divided by tau (its L2 norm + 1e-7). */
class LogitNormalisation extends tf.layers.Layer {
  static readonly className = 'OodLensLogitNormalisation';

  constructor(private readonly tau: number) {
    super({ name: 'normalised_logits', trainable: false });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const f = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.div(f, tf.mul(tf.add(tf.sqrt(tf.sum(tf.square(f), 1, true)), LOGIT_NORM_EPS), this.tau)));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), tau: this.tau };
  }
}

/**
 * The model with its first output (the logits) replaced by f / (tau (||f|| + 1e-7)); the
 * features output and every layer are the model's own (shared, not copied). Dispose only the
 * original model: the wrapper adds no weights of its own.
 */
export function withNormalisedLogits(model: tf.LayersModel, tau: number): tf.LayersModel {
  if (!(tau > 0) || !Number.isFinite(tau)) throw new UserInputError(`normalised-logit tau ${tau} is not a temperature: expected a number > 0`, String(tau), 'a number > 0');
  const [logits, ...rest] = model.outputs;
  const normalised = new LogitNormalisation(tau).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: model.inputs, outputs: [normalised, ...rest], name: `${model.name}_normalised` });
}
