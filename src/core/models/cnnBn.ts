import type * as tf from '@tensorflow/tfjs';
import { NetworkBuilder } from './networkBuilder';
import type { ModelSpec } from './types';

/**
 * A small CNN with batch norm right before the logits, as the WideResNets of the paper have it
 * (their last block ends in BN -> ReLU -> pool -> logits):
 * conv 32@3x3 -> BN -> ReLU -> conv 32@3x3 -> BN -> ReLU -> maxpool 2
 * -> conv 64@3x3 -> BN -> ReLU -> conv 64@3x3 -> BN -> ReLU -> maxpool 2
 * -> flatten -> 128 -> BN -> ReLU -> logits.
 *
 * Why it exists: LogitNorm's loss does not see the scale of the logits, so on a network whose
 * penultimate features are not normalised (LeNet, the `cnn` here) nothing holds their norm at
 * the paper's lr 0.1 and it runs away (seen in PyTorch too). Batch norm before the last ReLU
 * bounds the features, and weight decay then shrinks the last layer: the paper's recipe (lr 0.1,
 * Nesterov, cosine) trains this network with either loss, and a few MNIST-size epochs on a CPU
 * show the paper's effect. The convs and fc1 have no bias: the batch norm right after each adds
 * its own beta.
 */
export function buildCnnBn(spec: ModelSpec): tf.LayersModel {
  const net = new NetworkBuilder(spec);
  let x = net.input;
  for (const [name, filters] of [['conv1', 32], ['conv2', 32]] as const) {
    x = net.batchNormRelu(name, net.conv2d(name, x, { filters, kernelSize: 3, padding: 1, useBias: false }));
  }
  x = net.maxPool('pool1', x, 2);
  for (const [name, filters] of [['conv3', 64], ['conv4', 64]] as const) {
    x = net.batchNormRelu(name, net.conv2d(name, x, { filters, kernelSize: 3, padding: 1, useBias: false }));
  }
  x = net.maxPool('pool2', x, 2);
  x = net.flatten('flatten', x);
  x = net.batchNormRelu('fc1', net.dense('fc1', x, 128, undefined, false));
  return net.finish(x);
}
