import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { forwardLogitsAndFeatures, scoresOf } from './forward';
import { positiveOption, rejectOtherOptions } from './scorerOptions';
import type { Scorer, ScorerFactory, ScorerOptions, ScorerSetup } from './types';

/** The original ODIN setting, which the paper keeps (Section 4.1). */
export const ODIN_TEMPERATURE = 1000;
export const ODIN_EPSILON = 0.0014;

export interface OdinSettings {
  temperature: number;
  epsilon: number;
  /** Per-channel std of the input normalisation; [] or undefined = steps in normalised units. */
  inputStd?: readonly number[];
}

/**
 * ODIN's input preprocessing, in the model's normalised input space:
 *
 *   L(x)  = -log softmax(f(x) / T)_c,  c = argmax_j f_j(x)   (cross-entropy on the predicted class)
 *   x'    = x - epsilon * s / std[channel],  s = +1 where dL/dx >= 0, else -1
 *
 * i.e. one signed-gradient step that raises the temperature-scaled max softmax. This is the
 * original ODIN code's convention, as in the paper's code: sign taken with `>= 0` (a zero gradient
 * steps by -epsilon), and the step divided by the per-channel std of the normalisation, so that
 * epsilon is a step of the [0, 1] pixel scale even though the model sees normalised inputs. Without
 * `inputStd` (std = 1) epsilon is a step in normalised units. Returns x'; the caller owns it.
 */
export function odinPerturbation(model: tf.LayersModel, images: tf.Tensor4D, settings: OdinSettings): tf.Tensor4D {
  const channels = images.shape[3];
  const std = settings.inputStd ?? [];
  if (std.length !== 0 && std.length !== channels) {
    throw new UserInputError(`ODIN inputStd has ${std.length} values for ${channels}-channel images: expected ${channels}`, JSON.stringify(std), `${channels} values`);
  }
  return tf.tidy(() => {
    // Samples are independent, so the gradient of the batch sum is each sample's own gradient.
    // The predicted class is read from the same forward pass; argMax and oneHot pass no gradient,
    // so it acts as a constant label, as in the original code, without a second forward pass.
    const loss = (x: tf.Tensor): tf.Scalar => {
      const { logits } = forwardLogitsAndFeatures(model, x as tf.Tensor4D);
      const target = tf.oneHot(tf.argMax(logits, 1), logits.shape[1]);
      return tf.neg(tf.sum(tf.mul(tf.logSoftmax(tf.div(logits, settings.temperature)), target))) as tf.Scalar;
    };
    const gradient = tf.grad(loss)(images);
    const sign = tf.where(tf.greaterEqual(gradient, 0), tf.onesLike(gradient), tf.neg(tf.onesLike(gradient)));
    const step = std.length === 0 ? tf.mul(sign, settings.epsilon) : tf.mul(sign, tf.div(settings.epsilon, tf.tensor1d(std as number[])));
    return tf.sub(images, step) as tf.Tensor4D;
  });
}

/**
 * ODIN (Liang et al. 2018): the max softmax at temperature T of the perturbed input x' (see
 * odinPerturbation). T = 1000 and epsilon = 0.0014 by default. Pass the data set's normalisation
 * std as `inputStd` (the evaluation's setup does) to read epsilon on the [0, 1] pixel scale, as the
 * paper's code does.
 */
export function createOdin(options: ScorerOptions = {}, setup: ScorerSetup = {}): Scorer {
  rejectOtherOptions('odin', options, ['temperature', 'epsilon', 'inputStd']);
  const temperature = positiveOption('odin', 'temperature', options.temperature ?? ODIN_TEMPERATURE);
  const epsilon = positiveOption('odin', 'epsilon', options.epsilon ?? ODIN_EPSILON, true);
  // The data's normalisation from the evaluation's setup, unless the user's options name one.
  const rawStd = options.inputStd ?? setup.inputStd;
  const inputStd = rawStd === undefined ? [] : typeof rawStd === 'number' ? [rawStd] : [...rawStd];
  inputStd.forEach((s) => positiveOption('odin', 'inputStd', s));
  return {
    name: 'odin',
    settings: inputStd.length > 0 ? { temperature, epsilon, inputStd } : { temperature, epsilon },
    score: (model, images) =>
      scoresOf(() => {
        // One number for all channels is widened to the batch's channel count.
        const std = inputStd.length === 1 ? new Array<number>(images.shape[3]).fill(inputStd[0]) : inputStd;
        const perturbed = odinPerturbation(model, images, { temperature, epsilon, inputStd: std });
        return tf.max(tf.softmax(tf.div(forwardLogitsAndFeatures(model, perturbed).logits, temperature)), 1);
      }),
  };
}

export const ODIN: ScorerFactory = {
  title: 'ODIN (temperature + input perturbation)',
  defaults: { temperature: ODIN_TEMPERATURE, epsilon: ODIN_EPSILON, inputStd: undefined },
  needsFit: false,
  requires: { inputGradient: true },
  create: createOdin,
};
