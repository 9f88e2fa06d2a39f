import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/core/backend';
import { UserInputError } from '../../../src/core/errors';
import { buildModel, MODELS } from '../../../src/core/models/registry';
import { setDropoutStep } from '../../../src/core/models/seededDropout';
import { LOGITS_LAYER, type ModelSpec } from '../../../src/core/models/types';
import { CIFAR_SHAPE, MNIST_SHAPE, quickShape, seededImages } from './modelTestInputs';

before(async () => {
  await initBackend('wasm');
});

/** Width of the penultimate features, from each architecture's definition. */
const FEATURE_WIDTH: Record<string, number> = {
  mlp: 256,
  lenet: 84,
  cnn: 128,
  'cnn-bn': 128,
  'wrn-40-2': 128, // 64 * widen factor 2
  resnet18: 512,
  resnet34: 512,
  'densenet-bc-100': 342, // 24 + 16*12 = 216 -> 108; +192 = 300 -> 150; +192 = 342
};

test('the registry holds exactly the documented architectures', () => {
  assert.deepEqual(Object.keys(MODELS).sort(), Object.keys(FEATURE_WIDTH).sort());
});

for (const arch of Object.keys(FEATURE_WIDTH)) {
  for (const inputShape of [MNIST_SHAPE, CIFAR_SHAPE]) {
    test(`${arch} on ${inputShape.join('x')}: outputs [logits, features] of the right shapes`, () => {
      const numClasses = 7;
      const model = buildModel({ arch, inputShape, numClasses, seed: 3 });
      assert.equal(model.outputs.length, 2);
      assert.deepEqual(model.outputs[0].shape, [null, numClasses]);
      assert.deepEqual(model.outputs[1].shape, [null, FEATURE_WIDTH[arch]]);
      assert.deepEqual(model.inputs[0].shape, [null, ...inputShape]);
      const images = seededImages(2, inputShape);
      const [logits, features] = model.predict(images) as tf.Tensor[];
      assert.deepEqual(logits.shape, [2, numClasses]);
      assert.deepEqual(features.shape, [2, FEATURE_WIDTH[arch]]);
      tf.dispose([images, logits, features]);
      model.dispose();
    });
  }
}

for (const arch of Object.keys(FEATURE_WIDTH)) {
  test(`${arch}: logits = features x kernel + bias of the '${LOGITS_LAYER}' layer (plain JS, float64)`, () => {
    const inputShape = quickShape(arch);
    const model = buildModel({ arch, inputShape, numClasses: 10, seed: 5 });
    const logitsLayer = model.getLayer(LOGITS_LAYER);
    assert.equal(logitsLayer.getClassName(), 'Dense');
    // The logits layer takes exactly the second output as its input.
    assert.equal(logitsLayer.input, model.outputs[1]);
    // Give the bias non-zero values (it starts at zero), so the check covers it.
    const [kernelTensor, biasTensor] = logitsLayer.getWeights();
    const newBias = tf.linspace(-1, 1, 10);
    logitsLayer.setWeights([kernelTensor, newBias]);
    newBias.dispose();
    const [kernel, bias] = logitsLayer.getWeights().map((w) => w.dataSync());
    void biasTensor;

    const images = seededImages(3, inputShape);
    const [logitsOut, featuresOut] = model.predict(images) as tf.Tensor[];
    const logits = logitsOut.arraySync() as number[][];
    const features = featuresOut.arraySync() as number[][];
    const width = FEATURE_WIDTH[arch];
    let largest = 0;
    let worst = 0;
    for (let n = 0; n < 3; n++) {
      for (let c = 0; c < 10; c++) {
        let sum = bias[c];
        for (let f = 0; f < width; f++) sum += features[n][f] * kernel[f * 10 + c];
        worst = Math.max(worst, Math.abs(sum - logits[n][c]));
        largest = Math.max(largest, Math.abs(sum));
      }
    }
    assert.ok(worst <= 1e-5 * Math.max(1, largest), `largest difference ${worst} (logits up to ${largest})`);
    tf.dispose([images, logitsOut, featuresOut]);
    model.dispose();
  });
}

for (const arch of Object.keys(FEATURE_WIDTH)) {
  test(`${arch}: a forward pass inside tf.tidy leaves no tensor behind (inference and training mode)`, () => {
    const inputShape = quickShape(arch);
    const model = buildModel({ arch, inputShape, numClasses: 10, seed: 5 });
    const images = seededImages(2, inputShape);
    // The first call may create lazily made tensors; count from after it. (The scope returns
    // nothing: tidy keeps what its function returns.)
    tf.tidy(() => {
      model.predict(images);
    });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      model.predict(images);
    });
    assert.equal(tf.memory().numTensors, before, 'inference');
    // Training mode also updates batch norm's moving statistics (assigning replaces, not adds).
    tf.tidy(() => {
      model.apply(images, { training: true });
    });
    assert.equal(tf.memory().numTensors, before, 'training mode');
    images.dispose();
    model.dispose();
  });
}

/** Saves a model to memory, as a checkpoint writer would, and loads it back. */
async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  assert.ok(saved, 'the save handler ran');
  return tf.loadLayersModel(tf.io.fromMemory(saved));
}

for (const arch of Object.keys(FEATURE_WIDTH)) {
  test(`${arch}: save then load gives identical outputs`, async () => {
    const inputShape = quickShape(arch);
    // DenseNet has no dropout by default; give it some so its dropout layers go through the trip.
    const spec: ModelSpec = { arch, inputShape, numClasses: 10, seed: 9, dropout: arch === 'densenet-bc-100' ? 0.2 : undefined };
    const model = buildModel(spec);
    // Move batch norm's moving statistics off their initial values, so the trip must carry them.
    const images = seededImages(2, inputShape);
    tf.tidy(() => {
      model.apply(images, { training: true });
    });
    setDropoutStep(0);

    const loaded = await roundTrip(model);
    assert.deepEqual(
      loaded.layers.map((l) => l.name),
      model.layers.map((l) => l.name),
    );
    assert.deepEqual(loaded.outputNames, model.outputNames);
    const [a, b] = [model, loaded].map((m) => m.predict(images) as tf.Tensor[]);
    for (let i = 0; i < 2; i++) assert.deepEqual(b[i].dataSync(), a[i].dataSync(), `output ${i}`);
    // Training mode too: the same batch and dropout step give the same dropout masks.
    const [ta, tb] = [model, loaded].map((m) => m.apply(images, { training: true }) as tf.Tensor[]);
    assert.deepEqual(tb[0].dataSync(), ta[0].dataSync(), 'training-mode logits');
    tf.dispose([images, ...a, ...b, ...ta, ...tb]);
    model.dispose();
    loaded.dispose();
  });
}

test('an unknown architecture is a UserInputError that lists the known ones', () => {
  assert.throws(
    () => buildModel({ arch: 'vgg16', inputShape: CIFAR_SHAPE, numClasses: 10, seed: 1 }),
    (e: unknown) => e instanceof UserInputError && e.input === 'vgg16' && /wrn-40-2/.test(e.message) && /resnet34/.test(e.message),
  );
});

test('impossible specs are UserInputErrors that name the input', () => {
  const good: ModelSpec = { arch: 'mlp', inputShape: MNIST_SHAPE, numClasses: 10, seed: 1 };
  const cases: [Partial<ModelSpec>, RegExp][] = [
    [{ inputShape: [28, 0, 1] }, /28x0x1/],
    [{ inputShape: [28, 28] as unknown as ModelSpec['inputShape'] }, /28x28/],
    [{ numClasses: 1 }, /class count 1/],
    [{ numClasses: 2.5 }, /class count 2.5/],
    [{ seed: Number.NaN }, /seed NaN/],
    [{ dropout: 1 }, /dropout 1/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => buildModel({ ...good, ...change }), (e: unknown) => e instanceof UserInputError && message.test(e.message));
  }
});

test('an input too small for the architecture is a UserInputError, not a tfjs shape error', () => {
  // (The ResNets and WRN take any size: PyTorch's padded stride-2 convs never go below 1x1.)
  for (const arch of ['lenet', 'cnn', 'densenet-bc-100']) {
    assert.throws(
      () => buildModel({ arch, inputShape: [2, 2, 3], numClasses: 10, seed: 1 }),
      (e: unknown) => e instanceof UserInputError && /2x2x3 is too small/.test(e.message),
      arch,
    );
  }
});
