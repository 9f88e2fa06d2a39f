import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/core/backend';
import { buildModel } from '../../../src/core/models/registry';
import { setDropoutStep } from '../../../src/core/models/seededDropout';
import { BIG_ARCHS, CIFAR_SHAPE, MNIST_SHAPE, SMALL_ARCHS, seededImages } from './modelTestInputs';
import type { ModelSpec } from '../../../src/core/models/types';

// One SGD step of every architecture on 2 images: every trainable weight gets a finite, non-zero
// gradient, and a small step along it lowers the loss by about what the gradient predicts.
//
// The steps run on the wasm backend with the project's own backprop kernels (src/core/backend),
// at full CIFAR size (32x32x3, batch 2) for the big networks: about 12 s for all seven. (On the
// pure-JS cpu backend one such step took 106-353 s, dominated by its Conv2DBackpropFilter loop.)

before(async () => {
  await initBackend('wasm');
});

const BIG_NET_STEP_SHAPE: Record<(typeof BIG_ARCHS)[number], ModelSpec['inputShape']> = {
  'wrn-40-2': CIFAR_SHAPE,
  resnet18: CIFAR_SHAPE,
  resnet34: CIFAR_SHAPE,
  'densenet-bc-100': CIFAR_SHAPE,
};
const LABELS = [3, 7];

/** Mean softmax cross-entropy, written out (log-sum-exp minus the label's logit). */
function softmaxCrossEntropy(logits: tf.Tensor2D, oneHotLabels: tf.Tensor2D): tf.Scalar {
  const logSumExp = tf.logSumExp(logits, 1);
  const labelLogit = tf.sum(tf.mul(logits, oneHotLabels), 1);
  return tf.mean(tf.sub(logSumExp, labelLogit)) as tf.Scalar;
}

async function checkOneTrainingStep(spec: ModelSpec): Promise<void> {
  const model = buildModel(spec);
  const images = seededImages(2, spec.inputShape, 21);
  const labels = tf.oneHot(tf.tensor1d(LABELS, 'int32'), spec.numClasses) as tf.Tensor2D;
  // LayerVariable.read() is typed as a Tensor but holds the tf.Variable that training updates.
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = (): tf.Scalar => {
    // The same dropout masks for the loss before and after the step.
    setDropoutStep(0);
    const [logits] = model.apply(images, { training: true }) as tf.Tensor[];
    return softmaxCrossEntropy(logits as tf.Tensor2D, labels);
  };

  const { value, grads } = tf.variableGrads(loss, variables);
  const lossBefore = value.dataSync()[0];
  assert.ok(Number.isFinite(lossBefore), `loss ${lossBefore}`);
  assert.equal(Object.keys(grads).length, variables.length);
  let squaredGradNorm = 0;
  for (const [i, variable] of variables.entries()) {
    const grad = grads[variable.name];
    assert.ok(grad, `no gradient for ${model.trainableWeights[i].originalName}`);
    assert.deepEqual(grad.shape, variable.shape);
    const values = grad.dataSync();
    let nonZero = 0;
    let nonFinite = 0;
    for (let k = 0; k < values.length; k++) {
      const g = values[k];
      if (!Number.isFinite(g)) nonFinite++;
      else if (g !== 0) nonZero++;
      squaredGradNorm += g * g;
    }
    const weightName = model.trainableWeights[i].originalName;
    assert.equal(nonFinite, 0, `non-finite gradient entries in ${weightName}`);
    assert.ok(nonZero > 0, `all-zero gradient for ${weightName}`);
  }

  // A step whose first-order predicted decrease is 1% of the loss: lr * |g|^2 = 0.01 * loss.
  // The loss must drop, and by at least half of that prediction (a wrong gradient that merely
  // points downhill would fall short).
  const predictedDecrease = 0.01 * lossBefore;
  const learningRate = predictedDecrease / squaredGradNorm;
  for (const variable of variables) {
    tf.tidy(() => variable.assign(tf.sub(variable, tf.mul(grads[variable.name], learningRate))));
  }
  const lossAfter = tf.tidy(() => loss().dataSync()[0]);
  assert.ok(lossAfter < lossBefore, `loss ${lossBefore} -> ${lossAfter}`);
  assert.ok(lossBefore - lossAfter > 0.5 * predictedDecrease, `loss ${lossBefore} -> ${lossAfter}, predicted -${predictedDecrease}`);

  tf.dispose([value, images, labels, ...Object.values(grads)]);
  model.dispose();
}

for (const arch of SMALL_ARCHS) {
  test(`${arch}: one training step on 2 ${MNIST_SHAPE.join('x')} images`, async () => {
    await checkOneTrainingStep({ arch, inputShape: MNIST_SHAPE, numClasses: 10, seed: 17 });
  });
}

for (const arch of BIG_ARCHS) {
  test(`${arch}: one training step on 2 ${BIG_NET_STEP_SHAPE[arch].join('x')} images`, async () => {
    // WRN runs with the paper's dropout (0.3, its default); DenseNet with some too, to train through it.
    const dropout = arch === 'densenet-bc-100' ? 0.2 : undefined;
    await checkOneTrainingStep({ arch, inputShape: BIG_NET_STEP_SHAPE[arch], numClasses: 10, seed: 17, dropout });
  });
}
