// Batch norm's closed-form training gradient (src/core/models/batchNormTraining.ts) against two
// independent references: central finite differences of a float64 batch norm written out in plain
// JavaScript, and tfjs-layers' own BatchNormalization differentiated by tfjs's autodiff. On
// tfjs-node (TensorFlow's fused kernels) where it loads; skipped, saying why, where it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../../src/core/backend';
import { TFJS_NODE, loadNativePackage } from '../../../src/core/backend/nativeTensorflowPackages';
import { BatchNormalization, batchNormTraining } from '../../../src/core/models/batchNormTraining';
import { maxDifference, seededValues } from '../backend/backendComparison';

const EPS = 1e-5;
const native = loadNativePackage(TFJS_NODE);
const skipNative = native.ok ? false : `${TFJS_NODE} is not loadable here (${native.why}); npm run setup:native builds it`;

/** sum(w * batchnorm(x)) in float64, channels last: the loss whose gradient is checked. */
function weightedBatchNorm(x: Float64Array, gamma: Float64Array, beta: Float64Array, w: Float64Array, channels: number): number {
  const n = x.length / channels;
  let total = 0;
  for (let c = 0; c < channels; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * channels + c];
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (x[i * channels + c] - mean) ** 2;
    variance /= n;
    const r = 1 / Math.sqrt(variance + EPS);
    for (let i = 0; i < n; i++) total += w[i * channels + c] * (gamma[c] * (x[i * channels + c] - mean) * r + beta[c]);
  }
  return total;
}

/** Central differences of `f` at `point`, one coordinate at a time. */
function finiteDifferences(point: Float64Array, f: (p: Float64Array) => number, h = 1e-4): Float64Array {
  const grad = new Float64Array(point.length);
  for (let i = 0; i < point.length; i++) {
    const saved = point[i];
    point[i] = saved + h;
    const up = f(point);
    point[i] = saved - h;
    const down = f(point);
    point[i] = saved;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

for (const backend of ['cpu', 'wasm', 'tensorflow'] as const) {
  const skip = backend === 'tensorflow' ? skipNative : false;
  test(`batch norm's closed-form gradient matches finite differences of a float64 batch norm (${backend})`, { skip }, async () => {
    await initBackend(backend);
    const shape = [3, 2, 2, 4];
    const channels = 4;
    const size = 3 * 2 * 2 * 4;
    // Channels with different scales and offsets, so mean and variance matter.
    const x = Float64Array.from(seededValues(size, 5), (v, i) => v * (1 + (i % channels)) + (i % channels) - 1);
    const gamma = Float64Array.from(seededValues(channels, 6), (v) => 1 + 0.5 * v);
    const beta = Float64Array.from(seededValues(channels, 7));
    const w = Float64Array.from(seededValues(size, 8));

    const [dx, dgamma, dbeta] = tf.tidy(() => {
      const wT = tf.tensor(Float32Array.from(w), shape);
      const f = (xT: tf.Tensor, gT: tf.Tensor, bT: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(xT, gT as tf.Tensor1D, bT as tf.Tensor1D, EPS).y, wT));
      return tf.grads(f)([tf.tensor(Float32Array.from(x), shape), tf.tensor1d(Float32Array.from(gamma)), tf.tensor1d(Float32Array.from(beta))]).map((g) => g.dataSync());
    });
    const expected = {
      dx: finiteDifferences(x, (p) => weightedBatchNorm(p, gamma, beta, w, channels)),
      dgamma: finiteDifferences(gamma, (p) => weightedBatchNorm(x, p, beta, w, channels)),
      dbeta: finiteDifferences(beta, (p) => weightedBatchNorm(x, gamma, p, w, channels)),
    };
    // Float32 forward and backward against float64 differences (truncation ~h^2 = 1e-8): the
    // gradients are O(1); 1e-4 of the largest is far above float32 rounding and far below a
    // missing term (dropping the dgamma/N term alone changes dx by ~0.1).
    for (const [name, got, want] of [['dx', dx, expected.dx], ['dgamma', dgamma, expected.dgamma], ['dbeta', dbeta, expected.dbeta]] as const) {
      const { worst, scale } = maxDifference(got, want);
      assert.ok(worst <= 1e-4 * scale, `${name}: worst difference ${worst} against largest ${scale}`);
    }
  });

  test(`the layer trains exactly like tfjs-layers' BatchNormalization: output, gradients, moving statistics (${backend})`, { skip }, async () => {
    await initBackend(backend);
    const shape = [16, 5, 5, 8];
    const args = { axis: -1, momentum: 0.9, epsilon: EPS };
    const ours = new BatchNormalization(args);
    const theirs = tf.layers.batchNormalization(args);
    ours.build(shape);
    theirs.build(shape);
    const weights = [seededValues(8, 1), seededValues(8, 2), seededValues(8, 3), seededValues(8, 4)].map((v, i) =>
      tf.tensor1d(i === 3 ? v.map((a) => 1 + Math.abs(a)) : v),
    );
    ours.setWeights(weights);
    theirs.setWeights(weights);
    const x = tf.tensor(seededValues(16 * 5 * 5 * 8, 9).map((v, i) => 3 * v + (i % 8)), shape);
    const w = tf.tensor(seededValues(16 * 5 * 5 * 8, 10), shape);

    const run = (layer: tf.layers.Layer) => {
      const [gamma, beta] = layer.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar, [gamma, beta]);
      const dx = tf.grad((xIn: tf.Tensor) => tf.sum(tf.mul(layer.apply(xIn, { training: true }) as tf.Tensor, w)))(x);
      return {
        value: value.dataSync()[0],
        dgamma: grads[gamma.name].dataSync(),
        dbeta: grads[beta.name].dataSync(),
        dx: dx.dataSync(),
        y: (layer.apply(x, { training: true }) as tf.Tensor).dataSync(),
        moving: layer.getWeights().slice(2).map((t) => t.dataSync()),
      };
    };
    const a = run(ours);
    const b = run(theirs);
    assert.ok(Math.abs(a.value - b.value) <= 1e-5 * Math.abs(b.value) + 1e-5, `loss ${a.value} vs ${b.value}`);
    for (const key of ['y', 'dx', 'dgamma', 'dbeta'] as const) {
      const { worst, scale } = maxDifference(a[key], b[key]);
      assert.ok(worst <= 1e-5 * scale, `${key}: worst difference ${worst} against largest ${scale}`);
    }
    // Four training-mode applications each moved the averages: same momentum, same batch values.
    for (let i = 0; i < 2; i++) {
      const { worst, scale } = maxDifference(a.moving[i], b.moving[i]);
      assert.ok(worst <= 1e-5 * scale, `moving ${i === 0 ? 'mean' : 'variance'}: worst difference ${worst} against largest ${scale}`);
    }
    // Inference mode is the original code path: the moving statistics, not the batch's.
    const inferOurs = (ours.apply(x, { training: false }) as tf.Tensor).dataSync();
    const inferTheirs = (theirs.apply(x, { training: false }) as tf.Tensor).dataSync();
    assert.ok(maxDifference(inferOurs, inferTheirs).worst <= 1e-5 * maxDifference(inferOurs, inferTheirs).scale);
  });
}

test('a saved model with the layer names it BatchNormalization and loads back into it', async () => {
  await initBackend('cpu');
  const input = tf.input({ shape: [4, 4, 3] });
  const model = tf.model({ inputs: input, outputs: new BatchNormalization({ axis: -1 }).apply(input) as tf.SymbolicTensor });
  const saved: tf.io.ModelArtifacts[] = [];
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved.push(artifacts);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const topology = JSON.stringify(saved[0].modelTopology);
  assert.match(topology, /"class_name":"BatchNormalization"/);
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved[0]));
  assert.ok(loaded.layers[1] instanceof BatchNormalization, `loaded as ${loaded.layers[1].constructor.name}`);
});
