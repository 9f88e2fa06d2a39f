// One data-parallel step (main thread + a worker thread, each with its own wasm backend and
// half the batch) against one single-process step on the whole batch: same loss, same
// gradients, and the same weights after SGD, to float tolerance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../../src/core/backend';
import { getLoss } from '../../../src/core/losses';
import { buildModel } from '../../../src/core/models/registry';
import type { ModelSpec } from '../../../src/core/models/types';
import { DataParallelSteps, shardSizes } from '../../../src/core/train/dataParallel';
import { shardGradients } from '../../../src/core/train/shardGradients';
import { Sgd } from '../../../src/core/train/sgd';
import { trainableVariables } from '../../../src/core/train/trainer';
import { maxDifference, seededValues } from '../backend/backendComparison';

before(async () => {
  await initBackend('wasm');
});

const opened: DataParallelSteps[] = [];
after(async () => {
  await Promise.all(opened.map((p) => p.dispose()));
});

function batch(n: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const x = tf.tensor4d(seededValues(n * 28 * 28, 5), [n, 28, 28, 1]);
  const y = tf.tensor1d(Array.from(seededValues(n, 6)).map((v) => Math.floor((v + 1) * 5)), 'int32');
  return { x, y };
}

test('shards are as even as can be and cover the batch', () => {
  assert.deepEqual(shardSizes(128, 2), [64, 64]);
  assert.deepEqual(shardSizes(129, 2), [65, 64]);
  assert.deepEqual(shardSizes(7, 3), [3, 2, 2]);
  assert.deepEqual(shardSizes(1, 2), [1, 0]);
});

for (const [arch, n] of [['mlp', 64], ['lenet', 37]] as const) {
  test(`one data-parallel step of ${arch} over 2 threads equals one single-process step (batch ${n})`, async () => {
    const spec: ModelSpec = { arch, inputShape: [28, 28, 1], numClasses: 10, seed: 4 };
    const loss = getLoss('logitnorm');
    const options = { tau: 0.04 };
    const parallel = await DataParallelSteps.start(2, 'wasm', spec, 'logitnorm', loss, options);
    opened.push(parallel);
    const { x, y } = batch(n);

    // Reference: the whole batch in this thread, on its own model with the same seed.
    const single = buildModel(spec);
    const singleVars = trainableVariables(single);

    const model = buildModel(spec);
    const variables = trainableVariables(model);
    // Move both copies away from the seeded start, so the worker's own fresh model (same seed)
    // only matches if the step really sends it the current weights.
    for (const vs of [singleVars, variables]) tf.tidy(() => vs.forEach((v, i) => v.assign(tf.add(v, tf.mul(0.05, tf.tensor(seededValues(v.size, 40 + i), v.shape))))));
    const reference = shardGradients(single, singleVars, x, y, loss, options);
    const tensorsBefore = tf.memory().numTensors;
    const got = await parallel.compute(model, variables, x, y, 0);

    assert.ok(Math.abs((await got.value.data())[0] - (await reference.value.data())[0]) < 1e-5, 'loss');
    assert.equal((await got.correct.data())[0], (await reference.correct.data())[0], 'correct count');
    const normGot = (await got.normSum.data())[0];
    const normRef = (await reference.normSum.data())[0];
    assert.ok(Math.abs(normGot - normRef) <= 1e-5 * normRef, `norm sum ${normGot} vs ${normRef}`);
    variables.forEach((v, i) => {
      const { worst, scale } = maxDifference(got.grads[v.name].dataSync(), reference.grads[singleVars[i].name].dataSync());
      assert.ok(worst <= 1e-5 * Math.max(scale, 1e-3), `${arch} gradient ${i} differs by ${worst} (largest ${scale})`);
    });

    // And one SGD step on each: the weights stay the same.
    const sgdA = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
    const sgdB = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
    sgdA.step(variables, got.grads, 0.05);
    sgdB.step(singleVars, reference.grads, 0.05);
    variables.forEach((v, i) => {
      const { worst, scale } = maxDifference(v.dataSync(), singleVars[i].dataSync());
      assert.ok(worst <= 1e-5 * Math.max(scale, 1e-3), `${arch} weight ${i} after SGD differs by ${worst} (largest ${scale})`);
    });
    tf.dispose([got.value, got.correct, got.normSum, got.grads]);
    sgdA.dispose();
    sgdB.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'a data-parallel step leaks no tensors');
    tf.dispose([reference.value, reference.correct, reference.normSum, reference.grads, x, y]);
    single.dispose();
    model.dispose();
  });
}

test('a training run with --workers 2 ends at the weights of the same run on one thread (MLP, 4 steps)', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { RunStore } = await import('../../../src/core/runs/runStore');
  const { DEFAULT_TRAIN_CONFIG } = await import('../../../src/core/train/config');
  const { train } = await import('../../../src/core/train/trainer');
  const { WEIGHTS_FILE } = await import('../../../src/core/runs/checkpoint');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-cache-'));
  const store = new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-dp-')));
  const config = { ...DEFAULT_TRAIN_CONFIG, dataset: 'mnist', arch: 'mlp', loss: 'logitnorm', epochs: 1, batchSize: 64, lr: 0.05, schedule: 'constant', limit: 256, probeSize: 50, backend: 'wasm' };
  const logs: string[] = [];
  const weightsOf = async (workers: number) => {
    const run = store.create(`w${workers}`, { ...config, workers });
    await train(run, { cacheDir, backend: { name: 'wasm', reason: 'test' }, hooks: { log: (m) => logs.push(m) } });
    const bytes = fs.readFileSync(path.join(run.checkpointDir(1), WEIGHTS_FILE));
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  };
  const single = await weightsOf(1);
  const parallel = await weightsOf(2);
  assert.ok(logs.some((m) => m.includes('split over 2 threads')), logs.join('\n'));
  assert.equal(parallel.length, single.length);
  const { worst, scale } = maxDifference(parallel, single);
  assert.ok(worst <= 1e-5 * scale, `weights after 4 steps differ by ${worst} (largest ${scale})`);
});
