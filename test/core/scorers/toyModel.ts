import * as tf from '@tensorflow/tfjs';
import { LOGITS_LAYER } from '../../../src/core/models/types';
import { seededRandom } from '../metrics/random';

export interface ToyShape {
  height: number;
  width: number;
  channels: number;
  featureDim: number;
  numClasses: number;
  seed: number;
}

/**
 * input -> flatten -> dense(featureDim, relu, 'penultimate') -> dense(numClasses, LOGITS_LAYER),
 * outputs [logits, features], as every architecture of models/ has them.
 */
export function buildToyModel(shape: ToyShape): tf.LayersModel {
  const input = tf.input({ shape: [shape.height, shape.width, shape.channels] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const features = tf.layers
    .dense({
      units: shape.featureDim,
      activation: 'relu',
      name: 'penultimate',
      kernelInitializer: tf.initializers.glorotNormal({ seed: shape.seed }),
      biasInitializer: tf.initializers.randomNormal({ mean: 0.1, stddev: 0.2, seed: shape.seed + 1 }),
    })
    .apply(flat) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      units: shape.numClasses,
      name: LOGITS_LAYER,
      kernelInitializer: tf.initializers.glorotNormal({ seed: shape.seed + 2 }),
      biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: shape.seed + 3 }),
    })
    .apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features] });
}

/** Random normalised-looking images [n, h, w, c] from a seeded generator. */
export function randomImages(shape: ToyShape, n: number, seed: number, spread = 1.5): tf.Tensor4D {
  const random = seededRandom(seed);
  const size = n * shape.height * shape.width * shape.channels;
  const values = Float32Array.from({ length: size }, () => (random() * 2 - 1) * spread);
  return tf.tensor4d(values, [n, shape.height, shape.width, shape.channels]);
}

/** A 2-D tensor's rows as plain double arrays. */
export function rowsOf(tensor: tf.Tensor): number[][] {
  return tensor.arraySync() as number[][];
}

/** The model's [logits, features] read back as plain arrays (tfjs computes them, JS checks the rest). */
export function outputsOf(model: tf.LayersModel, images: tf.Tensor4D): { logits: number[][]; features: number[][] } {
  const [logits, features] = model.predict(images) as tf.Tensor[];
  const out = { logits: rowsOf(logits), features: rowsOf(features) };
  logits.dispose();
  features.dispose();
  return out;
}

/** Runs fn and checks it leaves the number of live tensors unchanged. */
export function withoutLeak<T>(what: string, fn: () => T): T {
  const before = tf.memory().numTensors;
  const result = fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${what} leaked ${after - before} tensor(s)`);
  return result;
}

export function logSumExp(values: number[]): number {
  const max = Math.max(...values);
  return max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0));
}

export function softmax(values: number[], temperature = 1): number[] {
  const scaled = values.map((v) => v / temperature);
  const lse = logSumExp(scaled);
  return scaled.map((v) => Math.exp(v - lse));
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance * scale)) {
      throw new Error(`${what}[${i}]: expected ${expected[i]}, got ${actual[i]} (tolerance ${tolerance})`);
    }
  }
}
