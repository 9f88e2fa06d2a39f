// Micro-batches: gradients accumulated over micro-batches against the full-batch computation;
// batch norm's moving statistics against a full-batch pass; the planned peak memory against the
// peak measured by tf.profile (the engine's tensor bytes, tf.memory()'s numBytes at its highest);
// the refusal when a batch does not fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../../src/core/backend';
import { isUserInputError, UserInputError } from '../../../src/core/errors';
import { getLoss } from '../../../src/core/losses';
import { buildModel } from '../../../src/core/models/registry';
import { SeededDropout, setDropoutPart, setDropoutStep } from '../../../src/core/models/seededDropout';
import { LOGITS_LAYER } from '../../../src/core/models/types';
import { accumulateMicroBatches, microBatchSizes, planStepMemory, planTrainingMemory, stepGradients } from '../../../src/core/train/microBatches';
import { shardGradients, type ShardResult } from '../../../src/core/train/shardGradients';
import { Sgd } from '../../../src/core/train/sgd';
import { trainableVariables } from '../../../src/core/train/trainer';
import { maxDifference, seededValues } from '../backend/backendComparison';

const loss = getLoss('logitnorm');
const options = { tau: 0.04 };

function batch(n: number, shape: [number, number, number], seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const x = tf.tensor4d(seededValues(n * shape[0] * shape[1] * shape[2], seed), [n, ...shape]);
  const y = tf.tensor1d(Array.from(seededValues(n, seed + 1)).map((v) => Math.floor((v + 1) * 5)), 'int32');
  return { x, y };
}

async function values(r: ShardResult) {
  return { value: (await r.value.data())[0], correct: (await r.correct.data())[0], normSum: (await r.normSum.data())[0] };
}

test('micro-batch sizes are near-equal, larger first, and cover the batch', () => {
  assert.deepEqual(microBatchSizes(128, 128), [128]);
  assert.deepEqual(microBatchSizes(128, 200), [128]);
  assert.deepEqual(microBatchSizes(128, 52), [43, 43, 42]);
  assert.deepEqual(microBatchSizes(10, 3), [3, 3, 2, 2]);
  assert.deepEqual(microBatchSizes(5, 1), [1, 1, 1, 1, 1]);
});

// Float32 tolerance: each gradient element is a sum over the 12 images' contributions; the
// micro-batches add them in another grouping (three partial means, weighted by 5/12, 5/12, 2/12),
// so the two differ by rounding of order 12 * 2^-24 (7e-7) of the largest term. 1e-5 of the
// largest gradient element leaves room for the backward pass's own rounding; a wrong weighting
// (the plain mean of the three micro-batch means) is off by about a tenth.
for (const backend of ['cpu', 'wasm'] as const) {
  test(`gradients accumulated over micro-batches 5+5+2 equal the full-batch gradients (lenet, no batch norm, ${backend})`, async () => {
    await initBackend(backend);
    const spec = { arch: 'lenet', inputShape: [28, 28, 1] as [number, number, number], numClasses: 10, seed: 3 };
    const model = buildModel(spec);
    const variables = trainableVariables(model);
    const { x, y } = batch(12, spec.inputShape, 17);
    const compute = (xs: tf.Tensor4D, ys: tf.Tensor1D) => shardGradients(model, variables, xs, ys, loss, options);
    const full = compute(x, y);
    const tensorsBefore = tf.memory().numTensors;
    const parts = await accumulateMicroBatches(model, x, y, [5, 5, 2], compute);
    assert.equal(tf.memory().numTensors - tensorsBefore, 3 + variables.length, 'only the result is left: value, correct, normSum and one gradient per variable');

    const [f, p] = [await values(full), await values(parts)];
    assert.ok(Math.abs(p.value - f.value) <= 1e-6 * Math.abs(f.value), `loss ${p.value} vs ${f.value}`);
    assert.equal(p.correct, f.correct);
    assert.ok(Math.abs(p.normSum - f.normSum) <= 1e-6 * f.normSum, `norm sum ${p.normSum} vs ${f.normSum}`);
    for (const v of variables) {
      const { worst, scale } = maxDifference(await parts.grads[v.name].data(), await full.grads[v.name].data());
      assert.ok(scale > 0, `${v.name} has a gradient`);
      assert.ok(worst <= 1e-5 * scale, `${v.name}: differs by ${worst}, largest element ${scale}`);
    }

    // The weighting matters: the unweighted mean of the three micro-batch means is not the gradient.
    const unweighted = tf.tidy(() => {
      const means = [[0, 5], [5, 5], [10, 2]].map(([start, size]) => {
        const r = compute(tf.slice(x, [start, 0, 0, 0], [size, 28, 28, 1]), tf.slice(y, [start], [size]));
        return r.grads[variables[0].name];
      });
      return tf.div(tf.addN(means), 3);
    });
    const off = maxDifference(await unweighted.data(), await full.grads[variables[0].name].data());
    assert.ok(off.worst > 1e-3 * off.scale, `an unweighted mean would differ (by ${off.worst} of ${off.scale})`);
    tf.dispose([full.value, full.grads, full.correct, full.normSum, parts.value, parts.grads, parts.correct, parts.normSum, unweighted, x, y]);
    model.dispose();
  });
}

test('two SGD steps in micro-batches of 16 leave the weights a full-batch step of 40 leaves (mlp, wasm)', async () => {
  await initBackend('wasm');
  const spec = { arch: 'mlp', inputShape: [28, 28, 1] as [number, number, number], numClasses: 10, seed: 5 };
  const runs = [40, 16].map(() => ({ model: buildModel(spec), sgd: new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4 }) }));
  for (let step = 0; step < 2; step++) {
    const { x, y } = batch(40, spec.inputShape, 30 + step);
    for (const [i, micro] of [40, 16].entries()) {
      const { model, sgd } = runs[i];
      const variables = trainableVariables(model);
      const r = await stepGradients(model, x, y, micro, (xs, ys) => shardGradients(model, variables, xs, ys, loss, options));
      sgd.step(variables, r.grads, 0.1);
      tf.dispose([r.value, r.grads, r.correct, r.normSum]);
    }
    tf.dispose([x, y]);
  }
  const [whole, split] = runs.map((r) => trainableVariables(r.model));
  for (let i = 0; i < whole.length; i++) {
    const { worst, scale } = maxDifference(await split[i].data(), await whole[i].data());
    // Two steps of lr 0.1 move each weight by at most about 0.2 * the largest gradient; rounding
    // differences of 1e-5 of the gradients (see above) become ~1e-6 of the weights.
    assert.ok(worst <= 1e-5 * Math.max(scale, 1e-2), `weight ${i}: differs by ${worst} (largest ${scale})`);
  }
  for (const r of runs) {
    r.sgd.dispose();
    r.model.dispose();
  }
});

/** input -> batch norm -> flatten -> dense: the batch norm sees the input itself, so its statistics can be checked by hand. */
function batchNormNet(): tf.LayersModel {
  const input = tf.input({ shape: [3, 3, 2] });
  const normed = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name: 'bn' }).apply(input) as tf.SymbolicTensor;
  const features = tf.layers.flatten().apply(normed) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 4, name: LOGITS_LAYER, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [logits, features] });
}

test("batch norm's moving statistics after micro-batches 4+3+3 are one update with the whole batch's mean and variance", async () => {
  await initBackend('cpu');
  const model = batchNormNet();
  const variables = trainableVariables(model);
  const bn = model.getLayer('bn');
  // Start from moving statistics that are not the initial 0 / 1.
  const [movingMean, movingVariance] = bn.nonTrainableWeights;
  movingMean.write(tf.tensor1d([0.5, -0.25]));
  movingVariance.write(tf.tensor1d([2, 0.5]));
  const n = 10;
  const x = tf.tidy(() => tf.add(tf.mul(tf.tensor4d(seededValues(n * 18, 8), [n, 3, 3, 2]), tf.tensor1d([3, 0.5])), tf.tensor1d([1, -2])) as tf.Tensor4D);
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 4), 'int32');
  const r = await accumulateMicroBatches(model, x, y, [4, 3, 3], (xs, ys) => shardGradients(model, variables, xs, ys, getLoss('ce'), {}));
  tf.dispose([r.value, r.grads, r.correct, r.normSum]);

  // By hand: per channel, the mean and the biased variance of all 10 * 3 * 3 values, then
  // moving = 0.9 * old + 0.1 * batch statistic.
  const data = await x.data();
  const expectedMean: number[] = [];
  const expectedVariance: number[] = [];
  for (const [c, oldMean, oldVariance] of [[0, 0.5, 2], [1, -0.25, 0.5]]) {
    const channel = Array.from({ length: n * 9 }, (_, i) => data[i * 2 + c]);
    const mean = channel.reduce((a, b) => a + b, 0) / channel.length;
    const variance = channel.reduce((a, b) => a + (b - mean) ** 2, 0) / channel.length;
    expectedMean.push(0.9 * oldMean + 0.1 * mean);
    expectedVariance.push(0.9 * oldVariance + 0.1 * variance);
  }
  const gotMean = Array.from(await movingMean.read().data());
  const gotVariance = Array.from(await movingVariance.read().data());
  for (let c = 0; c < 2; c++) {
    assert.ok(Math.abs(gotMean[c] - expectedMean[c]) <= 1e-5 * Math.max(1, Math.abs(expectedMean[c])), `moving mean ${c}: ${gotMean[c]} vs ${expectedMean[c]}`);
    assert.ok(Math.abs(gotVariance[c] - expectedVariance[c]) <= 1e-5 * expectedVariance[c], `moving variance ${c}: ${gotVariance[c]} vs ${expectedVariance[c]}`);
  }
  tf.dispose([x, y]);
  model.dispose();
});

test('each micro-batch draws dropout masks of its own; part 0 draws the step\'s masks', async () => {
  await initBackend('cpu');
  const layer = new SeededDropout({ rate: 0.5, seed: 11 });
  const ones = tf.ones([1, 64]);
  const mask = async (part?: number) => {
    setDropoutStep(7);
    if (part !== undefined) setDropoutPart(part);
    const out = layer.apply(ones, { training: true }) as tf.Tensor;
    const v = Array.from(await out.data());
    out.dispose();
    return v.join();
  };
  const plain = await mask();
  assert.equal(await mask(0), plain);
  assert.notEqual(await mask(1), plain);
  assert.notEqual(await mask(1), await mask(2));
  setDropoutStep(0);
  ones.dispose();
});

// The plan is fixed + n * perExample, from the peaks at 1 and 2 images; a real step's peak is
// measured by tf.profile over the whole step (forward, backward, accumulation, SGD with its
// momentum buffers made at this first step). The estimate should be within 10% either way.
// On cpu (pure JS: the CNN's convolutions would take minutes) LeNet; on wasm LeNet and the
// batch-norm CNN. (Not the MLP: its gradients outweigh 40 images' activations, so splitting it
// never saves memory.)
for (const backend of ['cpu', 'wasm'] as const) {
  for (const arch of backend === 'cpu' ? (['lenet'] as const) : (['lenet', 'cnn'] as const)) {
    test(`the planned peak of a ${arch} step is within 10% of the measured peak, whole and in micro-batches (${backend})`, async () => {
      await initBackend(backend);
      const spec = { arch, inputShape: [28, 28, 1] as [number, number, number], numClasses: 10, seed: 1 };
      const model = buildModel(spec);
      const variables = trainableVariables(model);
      const compute = (xs: tf.Tensor4D, ys: tf.Tensor1D) => shardGradients(model, variables, xs, ys, loss, options);
      const batchSize = 64;
      const parameterBytes = 4 * variables.reduce((s, v) => s + v.size, 0);
      const planWith = (budgetBytes: number) =>
        planTrainingMemory(model, (n) => batch(n, spec.inputShape, 50 + n), compute, {
          budget: { bytes: budgetBytes, what: 'a test budget' }, batchSize, pendingOptimizerBytes: parameterBytes, backend, arch, imageShape: spec.inputShape,
        });
      const whole = await planWith(1e12);
      assert.equal(whole.microBatch, batchSize);
      // A budget that holds 24 images with the split's extras (the momentum buffers, the
      // accumulated gradient, the whole batch's images) plans micro-batches of 24 (22+21+21).
      const imageBytes = 4 * 28 * 28;
      const budget = whole.peak.fixedBytes + 2 * parameterBytes + batchSize * imageBytes + 24.5 * whole.peak.perExampleBytes;
      const split = await planWith(budget);
      assert.equal(split.microBatch, 24);
      assert.ok(split.peakBytes <= budget);

      for (const plan of [whole, split]) {
        const sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
        const { x, y } = batch(batchSize, spec.inputShape, 9);
        const measured = await tf.profile(async () => {
          const r = await stepGradients(model, x, y, plan.microBatch, compute);
          sgd.step(variables, r.grads, 0.01);
          tf.dispose([r.value, r.grads, r.correct, r.normSum]);
        });
        const ratio = measured.peakBytes / plan.peakBytes;
        assert.ok(ratio > 0.9 && ratio < 1.1, `${arch} micro-batch ${plan.microBatch}: measured ${measured.peakBytes} B, planned ${plan.peakBytes} B (ratio ${ratio.toFixed(3)})`);
        tf.dispose([x, y]);
        sgd.dispose();
      }
      model.dispose();
    });
  }
}

test('a batch that does not fit is refused in one line naming the batch, the backend and the largest batch that fits', () => {
  // By hand: 10 MiB fixed, 1 MiB an image, 2 MiB of parameters (momentum pending), 1 KiB images,
  // budget 50 MiB. Whole batch of 128: 10 + 128 + 2 = 140 MiB, too much. Split: the accumulated
  // gradient (2 MiB) and the batch's images (128 KiB) come on top, so
  // floor((50 - 10 - 2 - 2 - 0.125) / 1) = 35 images.
  const MiB = 2 ** 20;
  const input = {
    peak: { fixedBytes: 10 * MiB, perExampleBytes: MiB },
    budget: { bytes: 50 * MiB, what: 'a deliberately tiny limit' },
    batchSize: 128,
    parameterBytes: 2 * MiB,
    pendingOptimizerBytes: 2 * MiB,
    imageBytes: 1024,
    backend: 'wasm',
    arch: 'resnet18',
    imageShape: [32, 32, 3],
  };
  const auto = planStepMemory(input);
  assert.equal(auto.microBatch, 35);
  assert.match(auto.summary, /split into 4 micro-batches of 32/);

  const refuse = (extra: Partial<typeof input> & { requested?: number }): UserInputError => {
    try {
      planStepMemory({ ...input, ...extra });
    } catch (e) {
      assert.ok(isUserInputError(e), String(e));
      assert.equal((e as Error).message.split('\n').length, 1, 'one line');
      return e as UserInputError;
    }
    assert.fail('not refused');
  };
  const whole = refuse({ requested: 128 });
  assert.match(whole.message, /^resnet18 at batch 128 on 32x32x3 images needs about 140 MiB on the wasm backend \(1 MiB an image, 12 MiB for the weights, gradients and optimizer state\); its budget is 50 MiB \(a deliberately tiny limit\): the largest batch that fits is 35; leave out --micro-batch/);
  const tooBig = refuse({ requested: 40 });
  assert.match(tooBig.message, /^resnet18 at batch 128 in micro-batches of 40 .*the largest micro-batch that fits is 35; use --micro-batch 35 or less$/);
  assert.equal(planStepMemory({ ...input, requested: 35 }).microBatch, 35);
  const none = refuse({ budget: { bytes: 12 * MiB, what: 'a deliberately tiny limit' } });
  assert.match(none.message, /^resnet18 on 32x32x3 images does not fit the wasm backend even one image at a time \(.*; its budget is 12 MiB \(a deliberately tiny limit\)\); use the native backend/);
});
