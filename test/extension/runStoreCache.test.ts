// The run store cache the tree, the panels and the quick picks share: a change re-reads only the
// run folder it touched, on real folders written by the engine's own writers, reads counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunStore, type Run } from '../../src/core/runs/runStore';
import { DISK_READER, RunStoreCache, type RunFolderReader } from '../../src/extension/runStoreCache';
import { evaluationResult, resultRow, writeEvaluation } from './evaluationFixture';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-cache-'));

type ReadKind = keyof RunFolderReader;

/** The disk reader, counting each read by kind and by the run folder it was in. */
function countingReader(): { reader: RunFolderReader; reads: Map<string, number>; take(): Record<string, number> } {
  const reads = new Map<string, number>();
  const count = (kind: ReadKind, target: string) => {
    const key = `${kind} ${kind === 'evaluation' ? path.basename(path.dirname(path.dirname(target))) + '/' + path.basename(target) : path.basename(target)}`;
    reads.set(key, (reads.get(key) ?? 0) + 1);
  };
  const wrap = <K extends ReadKind>(kind: K): RunFolderReader[K] =>
    (async (target: string) => {
      count(kind, target);
      return (DISK_READER[kind] as (target: string) => Promise<unknown>)(target);
    }) as RunFolderReader[K];
  const reader: RunFolderReader = {
    runDirs: wrap('runDirs'),
    summary: wrap('summary'),
    history: wrap('history'),
    checkpoints: wrap('checkpoints'),
    evaluationFiles: wrap('evaluationFiles'),
    evaluation: wrap('evaluation'),
  };
  return {
    reader,
    reads,
    take() {
      const taken = Object.fromEntries([...reads.entries()].sort());
      reads.clear();
      return taken;
    },
  };
}

function epochStats(epoch: number) {
  return { epoch, trainLoss: 1 / epoch, trainAccuracy: 0.8, testAccuracy: 0.7 + epoch / 100, logitNormTrain: epoch, logitNormTest: epoch, logitNormOod: epoch / 2, oodProbe: 'gaussian', lr: 0.01, seconds: 1, imagesPerSecond: 100 };
}

/** A run as the engine leaves it after `epochs` epochs, with `evaluations` evaluation files. */
async function trainedRun(store: RunStore, name: string, epochs: number, evaluations: number): Promise<Run> {
  const run = store.create(name, { dataset: 'mnist', arch: 'mlp', loss: 'logitnorm', tau: 0.04, epochs });
  for (let epoch = 1; epoch <= epochs; epoch += 1) {
    run.saveCheckpoint(epoch, { 'model.json': '{}' });
    run.appendHistory(epochStats(epoch));
  }
  run.update({ status: 'done', epochsDone: epochs, pid: undefined });
  for (let index = 0; index < evaluations; index += 1) {
    await writeEvaluation(store.root, evaluationResult({
      runId: run.id, epoch: epochs, createdAt: `2026-12-01T00:00:0${index}.000Z`, idAccuracy: 0.9, ece: 0.1, eceTemperatureScaled: 0.05,
      results: [resultRow('msp', 'gaussian', 0.1 * (index + 1), 0.9, 0.8, 0.7)],
    }));
  }
  return run;
}

test('a change in one run among three re-reads that run only; evaluation files are read once unless a change names them', async () => {
  const root = tmp();
  const store = new RunStore(root);
  const a = await trainedRun(store, 'a', 2, 2);
  const b = await trainedRun(store, 'b', 1, 1);
  const c = await trainedRun(store, 'c', 3, 0);
  const counted = countingReader();
  const cache = new RunStoreCache(counted.reader);

  const first = await cache.list(root);
  assert.deepEqual(first.map((run) => run.runDir).sort(), [a.dir, b.dir, c.dir].sort());
  const perRun = (run: Run) => ({ [`summary ${run.id}`]: 1, [`history ${run.id}`]: 1, [`checkpoints ${run.id}`]: 1, [`evaluationFiles ${run.id}`]: 1 });
  const evaluationReads = (run: Run, count: number) => Object.fromEntries(fs.readdirSync(path.join(run.dir, 'evaluations')).slice(0, count).map((name) => [`evaluation ${run.id}/${name}`, 1]));
  assert.deepEqual(counted.take(), { [`runDirs ${path.basename(root)}`]: 1, ...perRun(a), ...perRun(b), ...perRun(c), ...evaluationReads(a, 2), ...evaluationReads(b, 1) });

  // Nothing changed: the tree, a panel and a quick pick asking again read nothing.
  await cache.list(root);
  await cache.run(b.dir);
  assert.deepEqual(counted.take(), {});

  // Run b trains an epoch more: its checkpoint, history line and run.json, as the engine writes them.
  b.saveCheckpoint(2, { 'model.json': '{}' });
  b.appendHistory(epochStats(2));
  b.update({ epochsDone: 2 });
  cache.invalidate([path.join(b.dir, 'history.jsonl'), path.join(b.dir, 'run.json.tmp-77'), path.join(b.dir, 'run.json')]);
  const second = await cache.list(root);
  assert.deepEqual(counted.take(), perRun(b), 'run b\'s files once, its evaluation file not again, nothing of a or c');
  const bNow = second.find((run) => run.runDir === b.dir);
  assert.deepEqual(bNow?.history.map((stats) => stats.epoch), [1, 2]);
  assert.deepEqual(bNow?.checkpoints.map((checkpoint) => checkpoint.epoch), [1, 2], 'a change of run.json re-lists the checkpoints too (the run folder watcher does not see checkpoints/)');
  assert.equal(bNow?.summary.epochsDone, 2);
  for (const unchanged of [a, c]) {
    assert.equal(second.find((run) => run.runDir === unchanged.dir), first.find((run) => run.runDir === unchanged.dir), `${unchanged.id}: the same snapshot, not read again`);
  }

  // A new evaluation of run c: that file is read, and no other evaluation file anywhere.
  const newFile = await writeEvaluation(root, evaluationResult({ runId: c.id, epoch: 3, idAccuracy: 0.95, ece: 0.1, eceTemperatureScaled: 0.05, results: [resultRow('msp', 'uniform', 0.2, 0.9, 0.8, 0.7)] }));
  cache.invalidate([`${newFile}.tmp-77`, newFile]);
  const third = await cache.list(root);
  assert.deepEqual(counted.take(), { ...perRun(c), [`evaluation ${c.id}/${path.basename(newFile)}`]: 1 });
  assert.deepEqual(third.find((run) => run.runDir === c.dir)?.evaluations.map((evaluation) => evaluation.file), [newFile]);
  assert.equal((await cache.evaluation(newFile))?.result.idAccuracy, 0.95, 'a panel opening the new evaluation gets it from the cache');
  assert.deepEqual(counted.take(), {});

  // A tau sweep's record changes under .sweeps/: no run is read.
  cache.invalidate([path.join(root, '.sweeps', 'sweep-1.json')]);
  await cache.list(root);
  assert.deepEqual(counted.take(), {});

  // A new run folder: the list of runs and the new run are read, nothing else.
  const d = await trainedRun(store, 'd', 1, 0);
  cache.invalidate([d.dir]);
  const fourth = await cache.list(root);
  assert.deepEqual(counted.take(), { [`runDirs ${path.basename(root)}`]: 1, ...perRun(d) });
  assert.equal(fourth.length, 4);

  // A deleted run: the list is read again and the run is gone; no other run is read.
  fs.rmSync(a.dir, { recursive: true });
  cache.invalidate([a.dir]);
  const fifth = await cache.list(root);
  assert.deepEqual(counted.take(), { [`runDirs ${path.basename(root)}`]: 1 });
  assert.deepEqual(fifth.map((run) => run.runDir).sort(), [b.dir, c.dir, d.dir].sort());

  // Refresh: everything, every evaluation file included.
  cache.invalidate('all');
  await cache.list(root);
  assert.deepEqual(counted.take(), {
    [`runDirs ${path.basename(root)}`]: 1, ...perRun(b), ...perRun(c), ...perRun(d), ...evaluationReads(b, 1),
    [`evaluation ${c.id}/${path.basename(newFile)}`]: 1,
  });
});

test('the paths Node\'s folder watchers report for an epoch the engine writes lead the cache to that run only, its new checkpoint included', async () => {
  const root = tmp();
  const store = new RunStore(root);
  const quiet = await trainedRun(store, 'quiet', 1, 1);
  const busy = await trainedRun(store, 'busy', 1, 0);
  const counted = countingReader();
  const cache = new RunStoreCache(counted.reader);
  await cache.list(root);
  counted.take();
  // The folders RunStoreWatcher watches: the runs folder, each run folder, each evaluations folder.
  const seen: string[] = [];
  const folders = [root, quiet.dir, busy.dir, path.join(quiet.dir, 'evaluations')];
  const watchers = folders.map((folder) => fs.watch(folder, { persistent: false }, (_event, name) => seen.push(name ? path.join(folder, name.toString()) : folder)));
  try {
    busy.saveCheckpoint(2, { 'model.json': '{}' });
    busy.appendHistory(epochStats(2));
    busy.update({ epochsDone: 2 });
    const deadline = Date.now() + 5000;
    while (!seen.some((changed) => changed === path.join(busy.dir, 'run.json')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    for (const watcher of watchers) watcher.close();
  }
  assert.ok(seen.length > 0, 'the watchers reported the writes');
  assert.ok(seen.every((changed) => changed.startsWith(busy.dir)), `only run busy's paths: ${seen.join(', ')}`);
  cache.invalidate(seen);
  const runs = await cache.list(root);
  assert.deepEqual(Object.keys(counted.take()).map((key) => key.split(' ')[1]).filter((id) => id !== busy.id), [], 'nothing of run quiet');
  assert.deepEqual(runs.find((run) => run.runDir === busy.dir)?.checkpoints.map((checkpoint) => checkpoint.epoch), [1, 2]);
});
