import type * as tf from '@tensorflow/tfjs';
import { NetworkBuilder } from './networkBuilder';
import type { ModelSpec } from './types';

/**
 * A small CNN with batch norm, quick enough for MNIST-size experiments on a CPU:
 * conv 32@3x3 same -> BN -> ReLU -> maxpool 2 -> conv 64@3x3 same -> BN -> ReLU -> maxpool 2
 * -> flatten -> 128 -> ReLU -> logits.
 *
 * The convs have no bias: the batch norm right after subtracts the mean and adds its own beta,
 * so a conv bias would be a parameter with no effect (the same choice as the ResNet/WRN code).
 */
export function buildSmallCnn(spec: ModelSpec): tf.LayersModel {
  const net = new NetworkBuilder(spec);
  let x = net.conv2d('conv1', net.input, { filters: 32, kernelSize: 3, padding: 1, useBias: false });
  x = net.batchNormRelu('conv1', x);
  x = net.maxPool('pool1', x, 2);
  x = net.conv2d('conv2', x, { filters: 64, kernelSize: 3, padding: 1, useBias: false });
  x = net.batchNormRelu('conv2', x);
  x = net.maxPool('pool2', x, 2);
  x = net.flatten('flatten', x);
  x = net.dense('fc1', x, 128, 'relu');
  return net.finish(x);
}
