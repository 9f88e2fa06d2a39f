// Five SGD steps of LogitNorm training on tfjs-node (TensorFlow's C library, as
// `npm run setup:native` builds it) against the same five steps on our wasm backend and on the
// pure-JS cpu backend: same seeded model, same batch, so the weights after each must agree.
// Skips, saying why, where tfjs-node cannot be loaded (CI does not run setup:native).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../../src/core/backend';
import { TFJS_NODE, loadNativePackage } from '../../../src/core/backend/nativeTensorflowPackages';
import { getLoss } from '../../../src/core/losses';
import { buildModel } from '../../../src/core/models/registry';
import { forward } from '../../../src/core/train/forward';
import { Sgd } from '../../../src/core/train/sgd';
import { trainableVariables } from '../../../src/core/train/trainer';
import { seededValues } from './backendComparison';
import { oneDnnMaxPoolGradUnavailable } from '../../../src/core/backend/nativeMaxPoolGrad';

const native = loadNativePackage(TFJS_NODE);
const skip = native.ok ? false : `${TFJS_NODE} is not loadable here (${native.why}); npm run setup:native builds it`;

const STEPS = 5;

interface Trajectory {
  losses: number[];
  weights: Float32Array[];
}

/** Builds the seeded model on `backend` and takes STEPS steps on one fixed batch. */
async function trainSteps(backend: 'tensorflow' | 'wasm' | 'cpu', arch: string, batch: number): Promise<Trajectory> {
  const info = await initBackend(backend);
  assert.equal(tf.getBackend(), info.tfBackend);
  const model = buildModel({ arch, inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
  const variables = trainableVariables(model);
  const sgd = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const x = tf.tensor4d(seededValues(batch * 28 * 28, 11), [batch, 28, 28, 1]);
  const y = tf.tensor1d(Array.from(seededValues(batch, 12)).map((v) => Math.floor((v + 1) * 5)), 'int32');
  const loss = getLoss('logitnorm');
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const { value, grads } = tf.variableGrads(() => loss.fn(forward(model, x, true).logits, y, { tau: 0.04 }), variables);
    losses.push((await value.data())[0]);
    sgd.step(variables, grads, 0.01);
    tf.dispose([value, grads]);
  }
  const weights = variables.map((v) => v.dataSync() as Float32Array);
  tf.dispose([x, y]);
  sgd.dispose();
  model.dispose();
  return { losses, weights };
}

/** Every weight within `tolerance` x the largest |weight| of its tensor in the reference run. */
function assertSameTrajectory(label: string, actual: Trajectory, reference: Trajectory, tolerance: number): void {
  actual.losses.forEach((l, i) => assert.ok(Math.abs(l - reference.losses[i]) <= tolerance * Math.max(1, Math.abs(reference.losses[i])),
    `${label}: loss at step ${i + 1} is ${l}, reference ${reference.losses[i]}`));
  assert.equal(actual.weights.length, reference.weights.length);
  reference.weights.forEach((ref, k) => {
    const got = actual.weights[k];
    assert.equal(got.length, ref.length, `${label}: size of weight ${k}`);
    let scale = 0;
    for (const v of ref) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    assert.ok(worst <= tolerance * Math.max(scale, 1e-3), `${label}: weight ${k} differs by ${worst} (largest |w| ${scale})`);
  });
}

test('tfjs-node is the tensorflow backend, on the CPU, and auto picks it', { skip }, async () => {
  const info = await initBackend('auto');
  assert.equal(info.name, 'tensorflow');
  assert.equal(info.tfBackend, 'tensorflow');
  assert.match(info.reason, /tfjs-node: loaded/);
});

for (const [arch, batch] of [['mlp', 64], ['lenet', 32], ['cnn', 16]] as const) {
  test(`five LogitNorm SGD steps of ${arch} on tfjs-node match wasm to 1e-4`, { skip }, async () => {
    const onNative = await trainSteps('tensorflow', arch, batch);
    const onWasm = await trainSteps('wasm', arch, batch);
    assertSameTrajectory(`${arch} tensorflow vs wasm`, onNative, onWasm, 1e-4);
    // The weights moved: five steps that changed nothing would match trivially.
    const initial = buildModel({ arch, inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
    const first = trainableVariables(initial)[0].dataSync();
    assert.ok(first.some((v, i) => Math.abs(v - onWasm.weights[0][i]) > 1e-5), `${arch}: the first weight did not move`);
    initial.dispose();
  });
}

test('five LogitNorm SGD steps of the MLP on tfjs-node match the pure-JS cpu backend to 1e-4', { skip }, async () => {
  const onNative = await trainSteps('tensorflow', 'mlp', 32);
  const onCpu = await trainSteps('cpu', 'mlp', 32);
  assertSameTrajectory('mlp tensorflow vs cpu', onNative, onCpu, 1e-4);
});

test('the ReLU gradient on tfjs-node (TensorFlow\'s ReluGrad) equals dy * step(x) worked out by hand', { skip }, async () => {
  await initBackend('tensorflow');
  const x = [-2, -0.5, 0, 0.25, 3, -1e-30, 1e-30, 7];
  const dy = [1, 2, 3, 4, 5, 6, 7, 8];
  const expected = x.map((v, i) => (v > 0 ? dy[i] : 0));
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.tensor1d(dy))))(tf.tensor1d(x));
  assert.deepEqual(Array.from(grad.dataSync()), expected);
  // Inside a conv net's backward pass (an NHWC activation), against the pure-JS backend.
  const values = seededValues(2 * 5 * 5 * 3, 41);
  const gradOn = async (backend: 'tensorflow' | 'cpu') => {
    await initBackend(backend);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(t as tf.Tensor4D, tf.ones([3, 3, 3, 2]), 1, 'same')))))(tf.tensor4d(values, [2, 5, 5, 3]));
    return g.dataSync();
  };
  const native = await gradOn('tensorflow');
  const reference = await gradOn('cpu');
  reference.forEach((v, i) => assert.ok(Math.abs(native[i] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `element ${i}: ${native[i]} vs ${v}`));
});

test('batch norm on tfjs-node (x * a + c) equals the formula worked out in float64, per channel and with rank-4 statistics', { skip }, async () => {
  await initBackend('tensorflow');
  const [n, h, w, c] = [2, 3, 3, 4];
  const x = seededValues(n * h * w * c, 51);
  const mean = [0.1, -0.2, 0.3, 0];
  const variance = [0.5, 1, 2, 0.01];
  const scale = [1.5, -1, 0.5, 2];
  const offset = [0, 1, -1, 0.25];
  const eps = 1e-3;
  const expected = Array.from(x, (v, i) => {
    const k = i % c;
    return ((v - mean[k]) / Math.sqrt(variance[k] + eps)) * scale[k] + offset[k];
  });
  const shapes: ([number] | [number, number, number, number])[] = [[c], [1, 1, 1, c]];
  for (const shape of shapes) {
    const y = tf.batchNorm(tf.tensor4d(x, [n, h, w, c]), tf.tensor(mean, shape), tf.tensor(variance, shape), tf.tensor(offset, shape), tf.tensor(scale, shape), eps);
    const got = y.dataSync();
    expected.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `[${shape}] element ${i}: ${got[i]} vs ${v}`));
  }
  // No scale and no offset: plain standardisation.
  const plain = tf.batchNorm(tf.tensor4d(x, [n, h, w, c]), tf.tensor1d(mean), tf.tensor1d(variance), undefined, undefined, eps).dataSync();
  Array.from(x).forEach((v, i) => {
    const k = i % c;
    const want = (v - mean[k]) / Math.sqrt(variance[k] + eps);
    assert.ok(Math.abs(plain[i] - want) <= 1e-5 * Math.max(1, Math.abs(want)), `plain element ${i}`);
  });
});

// oneDNN's pooling gradient (nativeMaxPoolGrad.ts) against the pure-JS cpu backend's MaxPoolGrad,
// an independent implementation: small integers make ties (equal maxima in a window) common, and
// the gradient must go to the same one position (the first in scan order) as on the cpu backend.
// Non-overlapping and overlapping windows, 'valid' and 'same' padding, odd sizes.
test('the max-pool gradient on tfjs-node (oneDNN) equals the cpu backend\'s, ties included', { skip }, async () => {
  const cases: { shape: [number, number, number, number]; size: [number, number]; stride: [number, number]; pad: 'valid' | 'same' }[] = [
    { shape: [3, 8, 8, 5], size: [2, 2], stride: [2, 2], pad: 'valid' },
    { shape: [2, 7, 9, 3], size: [2, 2], stride: [2, 2], pad: 'valid' },
    { shape: [2, 7, 9, 3], size: [3, 3], stride: [2, 2], pad: 'same' },
    { shape: [2, 6, 6, 4], size: [3, 2], stride: [1, 2], pad: 'valid' },
  ];
  for (const { shape, size, stride, pad } of cases) {
    const count = shape.reduce((a, b) => a * b, 1);
    const x = seededValues(count, 61, true);
    const gradOn = async (backend: 'tensorflow' | 'cpu') => {
      await initBackend(backend);
      return tf.tidy(() => {
        const input = tf.tensor4d(x, shape);
        const pooledShape = tf.maxPool(input, size, stride, pad).shape;
        const weights = tf.tensor(seededValues(pooledShape.reduce((a, b) => a * b, 1), 62), pooledShape);
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, stride, pad), weights)))(input).dataSync();
      });
    };
    const native = await gradOn('tensorflow');
    const reference = await gradOn('cpu');
    const label = `[${shape}] pool ${size} stride ${stride} ${pad}`;
    assert.equal(oneDnnMaxPoolGradUnavailable(), undefined, `${label}: oneDNN's kernels did not run`);
    reference.forEach((v, i) => assert.ok(Math.abs(native[i] - v) <= 1e-6, `${label} element ${i}: ${native[i]} vs ${v}`));
  }
});
