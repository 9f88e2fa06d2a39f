import * as tf from '@tensorflow/tfjs';

/**
 * Dropout whose mask is seeded and changes every training step. tfjs's own Dropout layer with a
 * seed draws the same mask at every call (its seed is fixed), and without one it draws from
 * Math.random, so runs do not repeat. Here the mask's seed is (layer seed, training step): the
 * trainer sets the step before each batch, so a run repeats on one backend and a resumed run
 * draws the masks the uninterrupted run would have drawn.
 */
let trainingStep = 0;

export function setDropoutStep(step: number): void {
  trainingStep = step;
}

export interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  static className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate <= 0) return tf.clone(x);
    // A distinct integer per (layer, step); alea takes it as a string.
    return tf.dropout(x, this.rate, undefined, this.seed * 1_000_003 + trainingStep);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);

export function seededDropout(args: SeededDropoutArgs): SeededDropout {
  return new SeededDropout(args);
}
