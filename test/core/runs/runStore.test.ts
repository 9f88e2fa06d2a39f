import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RunStore, runOrderKey } from '../../../src/core/runs/runStore';
import { appendLine, writeDirAtomic, writeFileAtomic } from '../../../src/core/runs/atomicWrite';
import { parseHistory } from '../../../src/core/runs/history';
import { listCheckpoints, readHistory } from '../../../src/extension/runFolders';
import { RunStoreCache } from '../../../src/extension/runStoreCache';
import { listCheckpointFolders } from '../../../src/core/runs/checkpointFolders';
import { UserInputError } from '../../../src/core/errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-runs-'));

test('writeFileAtomic replaces a file and leaves no temporary behind', () => {
  const dir = tmp();
  const f = path.join(dir, 'a.json');
  writeFileAtomic(f, 'old');
  writeFileAtomic(f, 'new');
  assert.equal(fs.readFileSync(f, 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(dir), ['a.json']);
});

test('a process killed in the middle of a write leaves the old file whole', () => {
  const dir = tmp();
  const f = path.join(dir, 'run.json');
  writeFileAtomic(f, JSON.stringify({ keep: true }));
  // A child writes the temporary file, then dies (SIGKILL) before the rename.
  const script = `
    const fs = require('fs');
    const tmp = ${JSON.stringify(f)} + '.tmp-' + process.pid;
    fs.writeFileSync(tmp, '{"half": ');
    process.kill(process.pid, 'SIGKILL');`;
  const r = spawnSync(process.execPath, ['-e', script]);
  assert.equal(r.signal, 'SIGKILL');
  assert.deepEqual(JSON.parse(fs.readFileSync(f, 'utf8')), { keep: true });
});

test('parseHistory skips a torn last line; a damaged line before it keeps the epochs above it and says which line', () => {
  const epoch = (n: number) => JSON.stringify({ epoch: n, trainLoss: 1 / n });
  assert.deepEqual(parseHistory(`${epoch(1)}\n${epoch(2)}\n{"epoch": 3, "tr`).epochs.map((e) => e.epoch), [1, 2]);
  assert.equal(parseHistory(`${epoch(1)}\n${epoch(2)}\n{"epoch": 3, "tr`).problem, undefined, 'a torn last line is no problem');
  assert.deepEqual(parseHistory(`${epoch(1)}\n\n${epoch(2)}\n\n`).epochs.map((e) => e.epoch), [1, 2], 'blank lines are nothing');
  const damaged = parseHistory(`${epoch(1)}\n{oops\n${epoch(3)}\n`, 'h.jsonl');
  assert.deepEqual(damaged.epochs.map((e) => e.epoch), [1]);
  assert.match(damaged.problem ?? '', /^h\.jsonl line 2 is not JSON/);
  const notEpoch = parseHistory(`${epoch(1)}\n{"loss": 2}\n${epoch(3)}\n`, 'h.jsonl');
  assert.match(notEpoch.problem ?? '', /line 2 is not an epoch record/);
  assert.deepEqual(parseHistory('').epochs, []);
});

test('history.jsonl written by the engine reads the same through the engine and through the extension\'s reader', async () => {
  const store = new RunStore(tmp());
  const run = store.create('mnist-mlp-ce-s1', { dataset: 'mnist', arch: 'mlp', loss: 'ce' });
  const stats = (n: number) => ({ epoch: n, trainLoss: 1 / n, trainAccuracy: 0.9, testAccuracy: 0.8 + n / 100, logitNormTrain: n, logitNormTest: n, logitNormOod: n / 2, oodProbe: 'gaussian', lr: 0.01, seconds: 1, imagesPerSecond: 100 });
  run.appendHistory(stats(1));
  run.appendHistory(stats(2));
  // A writer killed mid-append leaves a torn last line: both readers skip it alike.
  fs.appendFileSync(path.join(run.dir, 'history.jsonl'), '{"epoch": 3, "trainLo');
  assert.deepEqual(run.history(), [stats(1), stats(2)]);
  assert.deepEqual(await readHistory(run.dir), [stats(1), stats(2)]);
  // A damaged middle line: the engine refuses naming it; the extension shows the epochs above it.
  fs.writeFileSync(path.join(run.dir, 'history.jsonl'), `${JSON.stringify(stats(1))}\nnot json\n${JSON.stringify(stats(3))}\n`);
  assert.throws(() => run.history(), (error: unknown) => error instanceof UserInputError && /history\.jsonl line 2 is not JSON/.test(error.message));
  assert.deepEqual(await readHistory(run.dir), [stats(1)]);
});

test('writeDirAtomic swaps a whole folder in', () => {
  const dir = tmp();
  const target = path.join(dir, 'epoch-1');
  writeDirAtomic(target, { 'a.bin': new Uint8Array([1, 2, 3]), 'b.json': '{}' });
  writeDirAtomic(target, { 'a.bin': new Uint8Array([4]) });
  assert.deepEqual(fs.readdirSync(target), ['a.bin']);
  assert.deepEqual([...fs.readFileSync(path.join(target, 'a.bin'))], [4]);
  assert.deepEqual(fs.readdirSync(dir), ['epoch-1']);
});

test('RunStore creates unique runs, lists them, and reads history and checkpoints back', () => {
  const store = new RunStore(tmp());
  const a = store.create('mnist-lenet-ce-s1', { loss: 'ce' });
  const b = store.create('mnist-lenet-ce-s1', { loss: 'ce' });
  assert.notEqual(a.id, b.id);
  a.appendHistory({ epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testAccuracy: 0.6, logitNormTrain: 1, logitNormTest: 1, logitNormOod: 1, oodProbe: 'gaussian', lr: 0.1, seconds: 1, imagesPerSecond: 10 });
  a.saveCheckpoint(1, { 'model.json': '{}' });
  a.saveCheckpoint(2, { 'model.json': '{}' });
  a.update({ status: 'done', epochsDone: 2 });
  const listed = store.list().map((r) => r.id).sort();
  assert.deepEqual(listed, [a.id, b.id].sort());
  const again = store.open(a.id);
  assert.equal(again.record.status, 'done');
  assert.deepEqual(again.checkpoints().map((c) => c.epoch), [1, 2]);
  assert.equal(again.history().length, 1);
  again.truncateHistory(0);
  assert.equal(again.history().length, 0);
});

test('opening a run that does not exist names it and says what was expected', () => {
  const store = new RunStore(tmp());
  assert.throws(() => store.open('nope'), (e: unknown) => e instanceof UserInputError && /nope/.test(e.message) && /run folder/.test(e.message));
});

test('runs are listed newest first by one rule in the engine and the extension, also when a run.json has no createdAt', async () => {
  const root = tmp();
  const write = (name: string, record: Record<string, unknown>) => {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    fs.writeFileSync(path.join(root, name, 'run.json'), JSON.stringify({ id: name, status: 'done', config: {}, ...record }));
  };
  write('20261127-093000-lenet-mnist', {}); // by hand, no createdAt: its id's time stamp counts
  write('zz-odd-name', { createdAt: '2026-11-28T10:00:00.000Z' });
  write('20261129-080000-mlp-mnist', { createdAt: '2026-11-26T00:00:00.000Z' }); // createdAt wins over the name
  write('no-stamp-no-date', {});
  const engine = new RunStore(root).list().map((run) => path.basename(run.dir));
  assert.deepEqual(engine, ['zz-odd-name', '20261127-093000-lenet-mnist', '20261129-080000-mlp-mnist', 'no-stamp-no-date']);
  const extension = (await new RunStoreCache().list(root)).map((run) => path.basename(run.runDir));
  assert.deepEqual(extension, engine);
  assert.equal(runOrderKey({}, '20261127-093000-lenet-mnist'), '2026-11-27T09:30:00');
});

test('checkpoint folders: only epoch-N folders holding model.json, in epoch order, the same for the engine and the extension', async () => {
  const runDir = tmp();
  const make = (name: string, withModel: boolean) => {
    fs.mkdirSync(path.join(runDir, 'checkpoints', name), { recursive: true });
    if (withModel) fs.writeFileSync(path.join(runDir, 'checkpoints', name, 'model.json'), '{}');
  };
  make('epoch-10', true);
  make('epoch-2', true);
  make('epoch-3', false); // half written: no model.json yet
  make('epoch-x', true);
  make('epoch-2.tmp-123', true);
  const expected = [2, 10].map((epoch) => ({ epoch, dir: path.join(runDir, 'checkpoints', `epoch-${epoch}`) }));
  assert.deepEqual(listCheckpointFolders(runDir), expected);
  assert.deepEqual(await listCheckpoints(runDir), expected);
  assert.deepEqual(await listCheckpoints(path.join(runDir, 'nothing-here')), []);
});
