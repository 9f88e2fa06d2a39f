import type * as tf from '@tensorflow/tfjs';
import { NetworkBuilder } from './networkBuilder';
import type { ModelSpec } from './types';

/** Width of both hidden layers. */
const HIDDEN_UNITS = 256;

/**
 * A two-hidden-layer perceptron: flatten -> 256 -> ReLU -> 256 -> ReLU -> logits
 * (784-256-256-10 on MNIST). The features are the second hidden layer's ReLU output.
 */
export function buildMlp(spec: ModelSpec): tf.LayersModel {
  const net = new NetworkBuilder(spec);
  let x = net.flatten('flatten', net.input);
  x = net.dense('fc1', x, HIDDEN_UNITS, 'relu');
  x = net.dense('fc2', x, HIDDEN_UNITS, 'relu');
  return net.finish(x);
}
