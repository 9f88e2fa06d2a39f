// A whole backward pass of a small conv net (conv -> maxpool -> conv stride 2 -> dense),
// through tf.variableGrads, on wasm (with our kernels) and on the pure-JS cpu backend.
import { test } from 'node:test';
import { tf } from '../../../src/core/backend';
import { assertWasmMatchesCpu, seededValues } from './backendComparison';

function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(seededValues(size, seed).map((v) => v * scale), shape);
}

/** The loss's gradients with respect to every weight, then to the images, in a fixed order. */
function convNetGradients(): tf.Tensor[] {
  const images = seeded([4, 11, 11, 2], 1);
  const labels = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3);
  const conv1 = tf.variable(seeded([3, 3, 2, 6], 2, 0.5), true, 'conv1');
  const conv2 = tf.variable(seeded([3, 3, 6, 5], 3, 0.3), true, 'conv2');
  const conv2Bias = tf.variable(seeded([5], 4, 0.1), true, 'conv2Bias');
  const dense = tf.variable(seeded([2 * 2 * 5, 3], 5, 0.3), true, 'dense');
  const denseBias = tf.variable(seeded([3], 6, 0.1), true, 'denseBias');
  const weights = [conv1, conv2, conv2Bias, dense, denseBias];
  const imageVariable = tf.variable(images, true, 'images');

  const loss = (): tf.Scalar => {
    // No activation before the pool: windows of negative values must get their gradient too.
    const a = tf.conv2d(imageVariable as tf.Tensor4D, conv1 as tf.Tensor4D, 1, 'same'); // [4, 11, 11, 6]
    const pooled = tf.maxPool(a, 2, 2, 'valid'); // [4, 5, 5, 6]
    const b = tf.relu(tf.add(tf.conv2d(pooled, conv2 as tf.Tensor4D, 2, 'valid'), conv2Bias)); // [4, 2, 2, 5]
    const logits = tf.add(tf.matMul(tf.reshape(b, [4, 20]), dense), denseBias);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(loss, [...weights, imageVariable]);
  const result = [value, ...weights.map((w) => grads[w.name]), grads[imageVariable.name]];
  tf.dispose([...weights, imageVariable]);
  return result;
}

test('the gradients of a small conv net are the same on wasm and cpu', async () => {
  await assertWasmMatchesCpu('conv net loss and gradients', convNetGradients, 2e-5);
});
