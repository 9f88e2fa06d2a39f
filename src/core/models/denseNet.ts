import type * as tf from '@tensorflow/tfjs';
import { NetworkBuilder } from './networkBuilder';
import type { ModelFactory, ModelSpec } from './types';

/**
 * DenseNet-BC for CIFAR (Huang et al. 2017) as the usual PyTorch code writes it (DenseNet3 of the
 * Outlier Exposure / LogitNorm-era repositories): conv3x3 2k -> three dense blocks of
 * (depth - 4) / 6 bottleneck layers, with a transition after the first two -> BN -> ReLU
 * -> global average pool -> logits.
 *
 * Bottleneck layer: BN-ReLU-conv1x1 (4k) -> BN-ReLU-conv3x3 (k), its output concatenated after
 * its input. Transition: BN-ReLU-conv1x1 (floor(channels * compression)) -> avgpool 2.
 * Dropout (spec.dropout, default 0 as in that code) follows every conv of a bottleneck and of a
 * transition. Convs have no bias. DenseNet-BC-100 (k = 12, compression 0.5) for 10 classes has
 * 769,162 trainable parameters.
 */
export function denseNetBC(depth: number, growthRate: number, compression: number): ModelFactory {
  if ((depth - 4) % 6 !== 0) throw new Error(`DenseNet-BC depth must be 6n + 4, got ${depth}`);
  const layersPerBlock = (depth - 4) / 6;
  const blockCount = 3;

  return (spec: ModelSpec): tf.LayersModel => {
    const dropout = spec.dropout ?? 0;
    const net = new NetworkBuilder(spec);
    let channels = 2 * growthRate;
    let x = net.conv2d('conv1', net.input, { filters: channels, kernelSize: 3, padding: 1, useBias: false });
    for (let block = 0; block < blockCount; block++) {
      for (let layer = 0; layer < layersPerBlock; layer++) {
        const name = `block${block + 1}_layer${layer + 1}`;
        let out = net.batchNormRelu(`${name}_pre`, x);
        out = net.conv2d(`${name}_conv1`, out, { filters: 4 * growthRate, kernelSize: 1, padding: 0, useBias: false });
        out = net.dropout(`${name}_dropout1`, out, dropout);
        out = net.batchNormRelu(`${name}_mid`, out);
        out = net.conv2d(`${name}_conv2`, out, { filters: growthRate, kernelSize: 3, padding: 1, useBias: false });
        out = net.dropout(`${name}_dropout2`, out, dropout);
        x = net.concat(`${name}_concat`, x, out);
        channels += growthRate;
      }
      if (block < blockCount - 1) {
        const name = `transition${block + 1}`;
        channels = Math.floor(channels * compression);
        x = net.batchNormRelu(`${name}_pre`, x);
        x = net.conv2d(`${name}_conv`, x, { filters: channels, kernelSize: 1, padding: 0, useBias: false });
        x = net.dropout(`${name}_dropout`, x, dropout);
        x = net.avgPool(`${name}_pool`, x, 2);
      }
    }
    x = net.batchNormRelu('final', x);
    x = net.globalAvgPool('avg_pool', x);
    return net.finish(x);
  };
}
