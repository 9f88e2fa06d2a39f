import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend, tf } from '../../../src/core/backend';
import { RunStore } from '../../../src/core/runs/runStore';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../../src/core/train/config';
import { train, TrainingDivergedError, runaway, type EventBody } from '../../../src/core/train/trainer';
import { loadModelFromDir, WEIGHTS_FILE } from '../../../src/core/runs/checkpoint';
import { UserInputError } from '../../../src/core/errors';
import { maxDifference } from '../backend/backendComparison';

// Real training on a real MNIST subset, on the wasm backend (the default here), kept small.
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-cache-'));
const base: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  dataset: 'mnist',
  arch: 'mlp',
  loss: 'ce',
  epochs: 2,
  batchSize: 64,
  lr: 0.05,
  schedule: 'constant',
  limit: 640,
  probeSize: 200,
  backend: 'wasm',
};
const backend = { name: 'wasm', reason: 'test' };

before(async () => {
  await initBackend('wasm');
});

function newStore(): RunStore {
  return new RunStore(fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-train-')));
}

test('a run writes one history line, one checkpoint and one epoch event per epoch, and learns', async () => {
  const store = newStore();
  const run = store.create('t', { ...base, epochs: 3 });
  const events: EventBody[] = [];
  const tensorsBefore = tf.memory().numTensors;
  const status = await train(run, { cacheDir, backend, hooks: { onEvent: (e) => events.push(e) } });
  assert.equal(status, 'done');
  assert.equal(tf.memory().numTensors, tensorsBefore, 'training leaks no tensors');
  const again = store.open<TrainConfig>(run.id);
  assert.equal(again.record.status, 'done');
  assert.equal(again.record.epochsDone, 3);
  const history = again.history();
  assert.deepEqual(history.map((h) => h.epoch), [1, 2, 3]);
  assert.deepEqual(again.checkpoints().map((c) => c.epoch), [1, 2, 3]);
  for (const h of history) {
    for (const key of ['trainLoss', 'trainAccuracy', 'testAccuracy', 'logitNormTrain', 'logitNormTest', 'logitNormOod', 'imagesPerSecond'] as const) {
      assert.ok(Number.isFinite(h[key]) && h[key] >= 0, `${key} = ${h[key]}`);
    }
  }
  // 3 epochs of an MLP on 640 MNIST digits: well above chance (10%).
  assert.ok(history[2].testAccuracy > 0.6, `test accuracy ${history[2].testAccuracy}`);
  assert.ok(history[2].trainLoss < history[0].trainLoss);
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'started');
  assert.equal(types[types.length - 1], 'finished');
  assert.equal(types.filter((t) => t === 'epoch').length, 3);
  assert.equal(types.filter((t) => t === 'checkpoint').length, 3);
});

test('the logged logit norm equals the norm of the checkpoint\'s logits computed in plain JS', async () => {
  const store = newStore();
  const run = store.create('n', { ...base, epochs: 1, probeSize: 50 });
  await train(run, { cacheDir, backend });
  const model = await loadModelFromDir(run.checkpoints()[0].dir);
  // The OOD probe is seeded, so it can be made again; recompute its mean logit norm by hand.
  const { prepareData } = await import('../../../src/core/train/trainer');
  const { toTensor } = await import('../../../src/core/data');
  const data = await prepareData(run.record.config, { cacheDir });
  const x = toTensor(data.probe, Array.from({ length: data.probe.count }, (_, i) => i), data.dataset.normalization);
  const logits = (model.predict(x) as tf.Tensor[])[0].arraySync() as number[][];
  const mean = logits.reduce((s, row) => s + Math.sqrt(row.reduce((a, v) => a + v * v, 0)), 0) / logits.length;
  const logged = run.history()[0].logitNormOod;
  assert.ok(Math.abs(mean - logged) < 1e-3 * Math.max(1, mean), `${mean} vs ${logged}`);
  tf.dispose([x]);
  model.dispose();
});

test('resuming from a checkpoint gives the same weights as training straight through', async () => {
  const store = newStore();
  const straight = store.create('straight', { ...base, epochs: 2 });
  await train(straight, { cacheDir, backend });
  const split = store.create('split', { ...base, epochs: 1 });
  await train(split, { cacheDir, backend });
  split.update({ config: { ...split.record.config, epochs: 2 } });
  await train(split, { cacheDir, backend });
  assert.deepEqual(split.history().map((h) => h.epoch), [1, 2]);
  const a = fs.readFileSync(path.join(straight.checkpointDir(2), WEIGHTS_FILE));
  const b = fs.readFileSync(path.join(split.checkpointDir(2), WEIGHTS_FILE));
  assert.ok(a.equals(b), 'weights after resume differ from the uninterrupted run');
});

test('the same seed repeats a run exactly; another seed does not', async () => {
  const store = newStore();
  const weights = async (seed: number) => {
    const run = store.create(`s${seed}`, { ...base, epochs: 1, seed });
    await train(run, { cacheDir, backend });
    return fs.readFileSync(path.join(run.checkpointDir(1), WEIGHTS_FILE));
  };
  const a = await weights(3);
  const b = await weights(3);
  const c = await weights(4);
  assert.ok(a.equals(b));
  assert.ok(!a.equals(c));
});

test('a cancelled run is marked cancelled, keeps its complete epochs, and resumes', async () => {
  const store = newStore();
  const run = store.create('c', { ...base, epochs: 3 });
  let batches = 0;
  const stepsPerEpoch = Math.ceil((640 * 1) / 64);
  const status = await train(run, { cacheDir, backend, hooks: { shouldStop: () => ++batches > stepsPerEpoch + 3 } });
  assert.equal(status, 'cancelled');
  const after = store.open<TrainConfig>(run.id);
  assert.equal(after.record.status, 'cancelled');
  assert.equal(after.record.epochsDone, 1);
  assert.deepEqual(after.checkpoints().map((c) => c.epoch), [1]);
  assert.equal(after.history().length, 1);
  assert.equal(await train(after, { cacheDir, backend }), 'done');
  assert.deepEqual(after.history().map((h) => h.epoch), [1, 2, 3]);
});

test('a loss that becomes NaN fails the run with a clear error and keeps the last good checkpoint', async () => {
  const store = newStore();
  // lr 100 on an MLP: the weights overflow within the second epoch at the latest.
  const run = store.create('nan', { ...base, epochs: 4, lr: 100, weightDecay: 0 });
  await assert.rejects(train(run, { cacheDir, backend }), (e: unknown) => e instanceof TrainingDivergedError && /became (NaN|Infinity|-Infinity)/.test(e.message));
  const after = store.open<TrainConfig>(run.id);
  assert.equal(after.record.status, 'failed');
  assert.match(after.record.error ?? '', /became/);
  assert.equal(after.checkpoints().length, after.record.epochsDone);
  for (const c of after.checkpoints()) await loadModelFromDir(c.dir).then((m) => m.dispose());
});

/** The engine's warnings but short-run (these runs are shorter than their architecture's minimum on purpose). */
const runawayWarnings = (warnings: string[]) => warnings.filter((w) => !w.startsWith('short-run'));

test('LogitNorm on LeNet (no batch norm) at lr 0.1: the logit norm runs away and a warning says what to try', async () => {
  const store = newStore();
  const run = store.create('runaway', { ...base, arch: 'lenet', loss: 'logitnorm', lr: 0.1, epochs: 1 });
  const events: EventBody[] = [];
  await train(run, { cacheDir, backend, hooks: { onEvent: (e) => events.push(e) } });
  // (The run is also shorter than LeNet's minimum: its short-run warning comes first, core/train/recipe.ts.)
  const warnings = events.filter((e) => e.type === 'warning' && e.code !== 'short-run');
  assert.equal(warnings.length, 1, 'one warning, not one per batch');
  const w = warnings[0] as Extract<EventBody, { type: 'warning' }>;
  assert.equal(w.code, 'logit-norm-runaway');
  assert.match(w.message, /lower --lr/);
  assert.equal(runawayWarnings(store.open(run.id).record.warnings).length, 1);
});

test('a one-epoch run whose logit norm runs away below 1e4 is judged against its first batch; a healthy one is not', async () => {
  // LeNet + LogitNorm at a constant lr 0.005 without warm-up: the norm leaves the untrained
  // network's ~0.2 for ~100 within the 40 steps and accuracy stays at chance. The same run with
  // cross-entropy learns, with a norm near 13.
  const short = { ...base, arch: 'lenet' as const, epochs: 1, limit: 1280, batchSize: 32, lr: 0.005 };
  const store = newStore();
  const ln = store.create('short-ln', { ...short, loss: 'logitnorm' });
  await train(ln, { cacheDir, backend });
  const lnRecord = store.open(ln.id).record;
  const lnEpoch = store.open(ln.id).history()[0];
  assert.ok(lnEpoch.logitNormTest >= 100 && lnEpoch.logitNormTest < 1e4, `norm ${lnEpoch.logitNormTest} is in the band only epoch 1's yardstick catches`);
  assert.equal(runawayWarnings(lnRecord.warnings).length, 1);
  assert.match(runawayWarnings(lnRecord.warnings)[0], /at epoch 1 \(\S+ in the first training batch\)/);
  const ce = store.create('short-ce', { ...short, loss: 'ce', lr: 0.05 });
  await train(ce, { cacheDir, backend });
  assert.ok(store.open(ce.id).history()[0].testAccuracy > 0.5);
  assert.deepEqual(runawayWarnings(store.open(ce.id).record.warnings), []);
});

test('the runaway rule: large and tenfold the first epoch, or not finite', () => {
  assert.equal(runaway(150, 12), true);
  assert.equal(runaway(150, 20), false); // grew 7.5x only
  assert.equal(runaway(50, 1), false); // still small
  assert.equal(runaway(2e4, 2e4), true); // already huge after the first epoch
  assert.equal(runaway(Infinity, 1), true);
  assert.equal(runaway(NaN, 1), true);
});

test('--micro-batch trains in micro-batches and ends with the weights of whole batches (mlp, no batch norm)', async () => {
  const store = newStore();
  const logs: string[] = [];
  const whole = store.create('whole', { ...base, epochs: 1 });
  await train(whole, { cacheDir, backend });
  const split = store.create('split', { ...base, epochs: 1, microBatch: 24 });
  await train(split, { cacheDir, backend, hooks: { log: (m) => logs.push(m) } });
  assert.ok(logs.some((l) => /^memory: mlp at batch 64 on 28x28x1 needs about .* each batch is split into 3 micro-batches of 22 .*\(--micro-batch\)$/.test(l)), logs.join('\n'));
  const read = (run: typeof whole) => new Float32Array(new Uint8Array(fs.readFileSync(path.join(run.checkpointDir(1), WEIGHTS_FILE))).buffer);
  const [a, b] = [read(whole), read(split)];
  assert.equal(a.length, b.length);
  const { worst, scale } = maxDifference(b, a);
  // 9 SGD steps (576 training images after the validation hold-out, batch 64); each step's
  // gradient agrees to ~1e-6 relative (microBatches.test.ts), so the weights to well under 1e-5.
  assert.ok(worst <= 1e-5 * scale, `weights differ by ${worst} (largest ${scale})`);
});

test('a batch that does not fit the wasm heap with --micro-batch as large is refused before the first step, in one line', async () => {
  const store = newStore();
  const config = { ...base, arch: 'densenet-bc-100', batchSize: 128, microBatch: 128, epochs: 1, limit: 256 };
  const run = store.create('big', config);
  await assert.rejects(train(run, { cacheDir, backend }), (e) => {
    assert.ok(e instanceof UserInputError, String(e));
    assert.equal(e.message.split('\n').length, 1);
    assert.match(e.message, /^densenet-bc-100 at batch 128 on 28x28x1 images needs about [\d.]+ GiB on the wasm backend \(.*\); its budget is 2\.8 GiB \(70% of the WebAssembly heap's fixed maximum of 4\.0 GiB\): the largest batch that fits is \d+; leave out --micro-batch/);
    return true;
  });
  const after = store.open<TrainConfig>(run.id);
  assert.equal(after.record.status, 'failed');
  assert.equal(after.record.epochsDone, 0);
  assert.deepEqual(after.checkpoints(), []);
});
