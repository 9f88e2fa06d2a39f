import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/core/backend';
import { buildModel, MODELS } from '../../../src/core/models/registry';
import { SeededDropout, setDropoutStep } from '../../../src/core/models/seededDropout';
import type { ModelSpec } from '../../../src/core/models/types';
import { quickShape, seededImages } from './modelTestInputs';

before(async () => {
  await initBackend('wasm');
});

function spec(arch: string, seed: number): ModelSpec {
  return { arch, inputShape: quickShape(arch), numClasses: 10, seed };
}

function weightNames(model: tf.LayersModel): string[] {
  return model.weights.map((w) => w.originalName);
}

/** Conv and dense kernels: the randomly initialised weights (biases and batch norm start constant). */
function kernels(model: tf.LayersModel): tf.LayerVariable[] {
  return model.weights.filter((w) => w.originalName.endsWith('/kernel'));
}

for (const arch of Object.keys(MODELS)) {
  test(`${arch}: the same seed gives the same names and weights, another seed other weights`, () => {
    const first = buildModel(spec(arch, 4));
    // Models built in between must not shift names (tfjs's own counters would).
    const other = buildModel(spec('mlp', 4));
    const again = buildModel(spec(arch, 4));
    const reseeded = buildModel(spec(arch, 5));

    assert.deepEqual(again.layers.map((l) => l.name), first.layers.map((l) => l.name));
    assert.deepEqual(weightNames(again), weightNames(first));
    assert.deepEqual(weightNames(reseeded), weightNames(first));
    assert.equal(new Set(weightNames(first)).size, first.weights.length, 'weight names are unique');
    // No tfjs auto-generated names (those end in _<ClassName><counter>, e.g. dense_Dense3).
    for (const layer of first.layers) assert.doesNotMatch(layer.name, /_[A-Z][A-Za-z0-9]*\d+$/, layer.name);

    const firstValues = first.getWeights().map((w) => w.dataSync());
    const againValues = again.getWeights().map((w) => w.dataSync());
    for (let i = 0; i < firstValues.length; i++) assert.deepEqual(againValues[i], firstValues[i], first.weights[i].originalName);

    const firstKernels = kernels(first);
    const reseededKernels = kernels(reseeded);
    assert.ok(firstKernels.length > 0);
    for (let i = 0; i < firstKernels.length; i++) {
      const a = firstKernels[i].read().dataSync();
      const b = reseededKernels[i].read().dataSync();
      assert.ok(a.some((v, k) => v !== b[k]), `${firstKernels[i].originalName} did not change with the seed`);
    }
    // Within one model, two kernels of one shape must not be copies of each other (one seed per layer).
    const seen = new Map<string, Float32Array>();
    for (const kernel of firstKernels) {
      const key = kernel.shape.join('x');
      const values = kernel.read().dataSync() as Float32Array;
      const previous = seen.get(key);
      if (previous) assert.ok(values.some((v, k) => v !== previous[k]), `${kernel.originalName} repeats another kernel`);
      seen.set(key, values);
    }
    for (const m of [first, other, again, reseeded]) m.dispose();
  });
}

test('conv kernels are He-normal with fan_out, dense kernels U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as the PyTorch code', () => {
  const model = buildModel({ arch: 'resnet18', inputShape: [16, 16, 3], numClasses: 10, seed: 8 });
  // stage4_block2_conv2: 3x3, 512 -> 512, 2,359,296 samples; expected std sqrt(2 / (3*3*512)).
  const conv = model.getLayer('stage4_block2_conv2').getWeights()[0].dataSync() as Float32Array;
  const mean = conv.reduce((s, v) => s + v, 0) / conv.length;
  const std = Math.sqrt(conv.reduce((s, v) => s + (v - mean) ** 2, 0) / conv.length);
  assert.ok(Math.abs(mean) < 1e-4, `mean ${mean}`);
  assert.ok(Math.abs(std / Math.sqrt(2 / (9 * 512)) - 1) < 0.01, `std ${std}`);
  // Untruncated, as torch's normal_: about 0.27% of samples lie beyond 3 std.
  const beyond3 = conv.filter((v) => Math.abs(v) > 3 * std).length / conv.length;
  assert.ok(beyond3 > 0.002 && beyond3 < 0.0035, `beyond 3 std: ${beyond3}`);

  const [logitsKernel, logitsBias] = model.getLayer('logits').getWeights().map((w) => w.dataSync() as Float32Array);
  const limit = 1 / Math.sqrt(512);
  assert.ok(logitsKernel.every((v) => Math.abs(v) <= limit));
  const kernelStd = Math.sqrt(logitsKernel.reduce((s, v) => s + v * v, 0) / logitsKernel.length);
  assert.ok(Math.abs(kernelStd / (limit / Math.sqrt(3)) - 1) < 0.05, `dense std ${kernelStd}`);
  assert.ok(logitsBias.every((v) => v === 0));

  const bn = model.getLayer('conv1_bn').getConfig();
  assert.equal(bn.momentum, 0.9); // PyTorch momentum 0.1
  assert.equal(bn.epsilon, 1e-5);
  model.dispose();
});

test('a checkpoint loads back by weight name into a model built later with another seed', async () => {
  const source = buildModel({ ...spec('wrn-40-2', 1), dropout: 0.3 });
  let weightData: ArrayBuffer | undefined;
  let weightSpecs: tf.io.WeightsManifestEntry[] | undefined;
  await source.save(
    tf.io.withSaveHandler(async (artifacts) => {
      weightData = artifacts.weightData as ArrayBuffer;
      weightSpecs = artifacts.weightSpecs;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  assert.ok(weightData && weightSpecs);
  buildModel(spec('densenet-bc-100', 1)).dispose();
  const target = buildModel({ ...spec('wrn-40-2', 2), dropout: 0.3 });
  target.loadWeights(tf.io.decodeWeights(weightData, weightSpecs), true);

  const images = seededImages(2, quickShape('wrn-40-2'));
  const [a] = source.predict(images) as tf.Tensor[];
  const [b] = target.predict(images) as tf.Tensor[];
  assert.deepEqual(b.dataSync(), a.dataSync());
  tf.dispose([images, a, b]);
  source.dispose();
  target.dispose();
});

test('the same seed and dropout step give the same training-mode outputs; another step other masks', () => {
  const images = seededImages(2, quickShape('wrn-40-2'));
  const trainingLogits = (model: tf.LayersModel, step: number): Float32Array => {
    setDropoutStep(step);
    return tf.tidy(() => (model.apply(images, { training: true }) as tf.Tensor[])[0].dataSync() as Float32Array);
  };
  const a = buildModel({ ...spec('wrn-40-2', 3), dropout: 0.3 });
  const b = buildModel({ ...spec('wrn-40-2', 3), dropout: 0.3 });
  assert.deepEqual(trainingLogits(b, 12), trainingLogits(a, 12));
  const step12 = trainingLogits(a, 12);
  const step13 = trainingLogits(a, 13);
  assert.ok(step12.some((v, k) => v !== step13[k]), 'the masks changed with the step');
  // Inference ignores dropout.
  const inferenceA = tf.tidy(() => (a.predict(images) as tf.Tensor[])[0].dataSync());
  setDropoutStep(99);
  const inferenceB = tf.tidy(() => (a.predict(images) as tf.Tensor[])[0].dataSync());
  assert.deepEqual(inferenceB, inferenceA);
  images.dispose();
  a.dispose();
  b.dispose();
});

test('SeededDropout: keeps about 1 - rate of the units, scaled by 1 / (1 - rate); masks repeat per (seed, step)', () => {
  const rate = 0.3;
  const layer = new SeededDropout({ name: 'probe_dropout', rate, seed: 1234 });
  const ones = tf.ones([100, 100]);
  const mask = (step: number): Float32Array => {
    setDropoutStep(step);
    return tf.tidy(() => (layer.apply(ones, { training: true }) as tf.Tensor).dataSync() as Float32Array);
  };
  const first = mask(0);
  const kept = first.filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / (1 - rate)) < 1e-6));
  // 10,000 Bernoulli(0.7) draws: 7,000 +- 46 (1 sd); allow 5 sd.
  assert.ok(Math.abs(kept.length - 7000) < 5 * 46, `kept ${kept.length}`);
  assert.deepEqual(mask(0), first);
  const second = mask(1);
  assert.ok(second.some((v, k) => v !== first[k]));
  const other = new SeededDropout({ name: 'probe_dropout_2', rate, seed: 1235 });
  setDropoutStep(0);
  const otherMask = tf.tidy(() => (other.apply(ones, { training: true }) as tf.Tensor).dataSync());
  assert.ok(otherMask.some((v, k) => v !== first[k]), 'another layer seed, another mask');
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    layer.apply(ones, { training: true });
    layer.apply(ones);
  });
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => setDropoutStep(-1), RangeError);
  assert.throws(() => new SeededDropout({ rate: 1, seed: 1 }), RangeError);
  ones.dispose();
});
