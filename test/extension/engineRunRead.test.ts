// A run the engine trains and evaluates for real, read back through the extension's reader path
// (the run store cache the tree and panels use): every file reads as the engine itself reads it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/core/backend';
import { evaluateCheckpoint } from '../../src/core/evaluate/evaluate';
import { readRunSummaries } from '../../src/core/runs/runRecord';
import { RunStore } from '../../src/core/runs/runStore';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../src/core/train/config';
import { train } from '../../src/core/train/trainer';
import { RunStoreCache } from '../../src/extension/runStoreCache';

const backend = { name: 'wasm', reason: 'test' };

before(async () => {
  await initBackend('wasm');
});

test('an engine-trained, engine-evaluated run reads the same through the extension\'s run store cache', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-engine-read-'));
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-engine-read-cache-'));
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, dataset: 'mnist', arch: 'mlp', loss: 'logitnorm', epochs: 2, batchSize: 64, lr: 0.05, schedule: 'constant', limit: 256, probeSize: 50, backend: 'wasm' };
  const store = new RunStore(root);
  const run = store.create<TrainConfig>('engine-read', config);
  assert.equal(await train(run, { cacheDir, backend }), 'done');
  const { result, file } = await evaluateCheckpoint(run, run.latestCheckpoint()!, { oodSets: ['gaussian'], scorers: ['msp'], oodCount: 100, idLimit: 200, fitSamples: 100, cacheDir, backend });

  const extension = await new RunStoreCache().run(run.dir);
  const engine = store.open<TrainConfig>(run.id);
  // run.json
  assert.equal(extension.summary.id, engine.id);
  assert.equal(extension.summary.status, 'done');
  assert.equal(extension.summary.problem, undefined);
  assert.deepEqual(extension.summary.config, JSON.parse(JSON.stringify(config)), 'the config as given (undefined fields are not written)');
  assert.equal(extension.summary.epochsDone, 2);
  assert.equal(extension.summary.createdAt, engine.record.createdAt);
  // history.jsonl, against the engine's reader and against the file's lines parsed here.
  const lines = fs.readFileSync(path.join(run.dir, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(extension.history, engine.history());
  assert.deepEqual(extension.history, lines);
  assert.deepEqual(extension.history.map((stats) => stats.epoch), [1, 2]);
  assert.equal(extension.summary.bestTestAccuracy, Math.max(...lines.map((line) => line.testAccuracy)), 'the best test accuracy is the best epoch\'s');
  // checkpoints/ and evaluations/
  assert.deepEqual(extension.checkpoints, engine.checkpoints());
  assert.deepEqual(extension.checkpoints.map((checkpoint) => checkpoint.epoch), [1, 2]);
  assert.deepEqual(extension.evaluations, [{ file, result: JSON.parse(JSON.stringify(result)) }]);
  // The CLI's list and the extension's list of the runs folder agree.
  const listed = await new RunStoreCache().list(root);
  assert.deepEqual(listed.map((snapshot) => snapshot.summary), readRunSummaries(root));
});
