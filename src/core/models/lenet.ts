import type * as tf from '@tensorflow/tfjs';
import { NetworkBuilder } from './networkBuilder';
import type { ModelSpec } from './types';

/**
 * LeNet-5 as the common PyTorch code writes it (ReLU and max pooling, no batch norm):
 * conv 6@5x5 -> ReLU -> maxpool 2 -> conv 16@5x5 -> ReLU -> maxpool 2 -> flatten
 * -> 120 -> ReLU -> 84 -> ReLU -> logits.
 *
 * The first conv pads by 2 when the input is smaller than 32 on a side (MNIST's 28x28), and not
 * at all from 32 up (CIFAR's 32x32), so both reach the second conv as 14x14x6 and the flatten
 * as 5x5x16 = 400 values: 61,706 trainable parameters for 28x28x1 and 10 classes.
 */
export function buildLeNet(spec: ModelSpec): tf.LayersModel {
  const [height, width] = spec.inputShape;
  const firstPadding = Math.min(height, width) < 32 ? 2 : 0;
  const net = new NetworkBuilder(spec);
  let x = net.conv2d('conv1', net.input, { filters: 6, kernelSize: 5, padding: firstPadding, useBias: true, activation: 'relu' });
  x = net.maxPool('pool1', x, 2);
  x = net.conv2d('conv2', x, { filters: 16, kernelSize: 5, padding: 0, useBias: true, activation: 'relu' });
  x = net.maxPool('pool2', x, 2);
  x = net.flatten('flatten', x);
  x = net.dense('fc1', x, 120, 'relu');
  x = net.dense('fc2', x, 84, 'relu');
  return net.finish(x);
}
