import type * as tf from '@tensorflow/tfjs';
import { NetworkBuilder } from './networkBuilder';
import type { ModelFactory, ModelSpec } from './types';

/**
 * ResNet with basic blocks, the CIFAR variant the OOD literature trains (kuangliu's
 * pytorch-cifar, used by the LogitNorm code for ResNet-34): conv3x3 64 -> BN -> ReLU (no 7x7 stem,
 * no max pool) -> four stages of basic blocks with widths 64, 128, 256, 512 (strides 1, 2, 2, 2)
 * -> global average pool -> logits.
 *
 * A basic block is conv3x3 (stride s) -> BN -> ReLU -> conv3x3 -> BN, plus the shortcut (the input,
 * or conv1x1 (stride s) -> BN when the shape changes), then ReLU. Convs have no bias.
 * For 10 classes: ResNet-18 ([2, 2, 2, 2]) 11,173,962 and ResNet-34 ([3, 4, 6, 3]) 21,282,122
 * trainable parameters.
 */
export function resNet(blocksPerStage: readonly number[]): ModelFactory {
  const stageWidths = [64, 128, 256, 512];
  const stageStrides = [1, 2, 2, 2];
  if (blocksPerStage.length !== stageWidths.length) throw new Error(`ResNet needs ${stageWidths.length} stages`);

  return (spec: ModelSpec): tf.LayersModel => {
    const net = new NetworkBuilder(spec);
    let x = net.conv2d('conv1', net.input, { filters: 64, kernelSize: 3, padding: 1, useBias: false });
    x = net.batchNormRelu('conv1', x);
    let inWidth = 64;
    for (let stage = 0; stage < stageWidths.length; stage++) {
      for (let block = 0; block < blocksPerStage[stage]; block++) {
        const outWidth = stageWidths[stage];
        const stride = block === 0 ? stageStrides[stage] : 1;
        const name = `stage${stage + 1}_block${block + 1}`;
        let branch = net.conv2d(`${name}_conv1`, x, { filters: outWidth, kernelSize: 3, strides: stride, padding: 1, useBias: false });
        branch = net.batchNormRelu(`${name}_conv1`, branch);
        branch = net.conv2d(`${name}_conv2`, branch, { filters: outWidth, kernelSize: 3, padding: 1, useBias: false });
        branch = net.batchNorm(`${name}_conv2_bn`, branch);
        let shortcut = x;
        if (stride !== 1 || inWidth !== outWidth) {
          shortcut = net.conv2d(`${name}_shortcut`, x, { filters: outWidth, kernelSize: 1, strides: stride, padding: 0, useBias: false });
          shortcut = net.batchNorm(`${name}_shortcut_bn`, shortcut);
        }
        x = net.relu(`${name}_relu`, net.add(`${name}_add`, shortcut, branch));
        inWidth = outWidth;
      }
    }
    x = net.globalAvgPool('avg_pool', x);
    return net.finish(x);
  };
}
