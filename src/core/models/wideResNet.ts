import type * as tf from '@tensorflow/tfjs';
import { NetworkBuilder } from './networkBuilder';
import type { ModelFactory, ModelSpec } from './types';

/** The paper's dropout rate for WRN (section 4.1), used when the spec gives none. */
export const WRN_DEFAULT_DROPOUT = 0.3;

/**
 * A Wide ResNet for CIFAR (Zagoruyko & Komodakis 2016) as the paper's official code writes it:
 * conv3x3 16 -> three groups of (depth - 4) / 6 pre-activation basic blocks with widths
 * 16k, 32k, 64k (strides 1, 2, 2) -> BN -> ReLU -> global average pool -> logits.
 *
 * A basic block is BN-ReLU-conv3x3 (stride s) -> BN-ReLU -> dropout -> conv3x3, plus the
 * shortcut: the input itself when the width does not change, otherwise a 1x1 conv (stride s) of
 * the block's pre-activated input (that code's `x = relu1(bn1(x))` before `convShortcut(x)`).
 * Convs have no bias. WRN-40-2 for 10 classes has 2,243,546 trainable parameters.
 */
export function wideResNet(depth: number, widenFactor: number): ModelFactory {
  if ((depth - 4) % 6 !== 0) throw new Error(`WRN depth must be 6n + 4, got ${depth}`);
  const blocksPerGroup = (depth - 4) / 6;
  const groupWidths = [16 * widenFactor, 32 * widenFactor, 64 * widenFactor];
  const groupStrides = [1, 2, 2];

  return (spec: ModelSpec): tf.LayersModel => {
    const dropout = spec.dropout ?? WRN_DEFAULT_DROPOUT;
    const net = new NetworkBuilder(spec);
    let x = net.conv2d('conv1', net.input, { filters: 16, kernelSize: 3, padding: 1, useBias: false });
    let inWidth = 16;
    for (let group = 0; group < groupWidths.length; group++) {
      for (let block = 0; block < blocksPerGroup; block++) {
        const outWidth = groupWidths[group];
        const stride = block === 0 ? groupStrides[group] : 1;
        const name = `group${group + 1}_block${block + 1}`;
        const activated = net.batchNormRelu(`${name}_pre`, x);
        let branch = net.conv2d(`${name}_conv1`, activated, { filters: outWidth, kernelSize: 3, strides: stride, padding: 1, useBias: false });
        branch = net.batchNormRelu(`${name}_mid`, branch);
        branch = net.dropout(`${name}_dropout`, branch, dropout);
        branch = net.conv2d(`${name}_conv2`, branch, { filters: outWidth, kernelSize: 3, padding: 1, useBias: false });
        const shortcut =
          inWidth === outWidth
            ? x
            : net.conv2d(`${name}_shortcut`, activated, { filters: outWidth, kernelSize: 1, strides: stride, padding: 0, useBias: false });
        x = net.add(`${name}_add`, shortcut, branch);
        inWidth = outWidth;
      }
    }
    x = net.batchNormRelu('final', x);
    x = net.globalAvgPool('avg_pool', x);
    return net.finish(x);
  };
}
