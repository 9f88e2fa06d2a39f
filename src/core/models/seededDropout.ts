import * as tf from '@tensorflow/tfjs';
import { seedForCall } from './seeds';

/**
 * Dropout whose mask is seeded and changes every training step. tfjs's own Dropout layer with a
 * seed draws the same mask at every call (it builds a fresh generator from its fixed seed each
 * time), and without one it draws from Math.random, so runs do not repeat. Here the mask's seed
 * is derived from (layer seed, training step): the trainer sets the step before each batch, so a
 * run repeats on one backend and a resumed run draws the masks the uninterrupted run would have
 * drawn. Two forward passes at the same step draw the same masks.
 *
 * Inference (training false or absent) is the identity, as PyTorch's eval mode; in training the
 * kept units are scaled by 1 / (1 - rate) ("inverted" dropout, as PyTorch and tfjs do).
 *
 * tf.loadLayersModel can only read back a model with this layer once this module has been
 * imported (it registers the class with tfjs's serialisation); models/registry.ts imports it.
 */
let trainingStep = 0;
let trainingPart = 0;

/** Sets the step whose masks every SeededDropout layer draws from now on (a non-negative integer); the part goes back to 0. */
export function setDropoutStep(step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`dropout step must be a non-negative integer, got ${step}`);
  trainingStep = step;
  trainingPart = 0;
}

/**
 * Sets which part of the step's batch the next forward pass is (a micro-batch, microBatches.ts):
 * part 0 draws the step's own masks, every other part masks of its own, so two micro-batches of
 * one step never share a mask. A step in one piece is part 0 and draws what it always drew.
 */
export function setDropoutPart(part: number): void {
  if (!Number.isInteger(part) || part < 0) throw new RangeError(`dropout part must be a non-negative integer, got ${part}`);
  trainingPart = part;
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
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate <= 0) return tf.clone(x);
    // Never 0, which tfjs's random ops would take as "no seed".
    const stepSeed = seedForCall(this.seed, trainingStep);
    return tf.dropout(x, this.rate, undefined, trainingPart === 0 ? stepSeed : seedForCall(stepSeed, trainingPart));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);

export function seededDropout(args: SeededDropoutArgs): SeededDropout {
  return new SeededDropout(args);
}
