import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RunStore } from '../../../src/core/runs/runStore';
import { appendLine, readJsonLines, writeDirAtomic, writeFileAtomic } from '../../../src/core/runs/atomicWrite';
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

test('readJsonLines skips a torn last line but not a corrupt middle one', () => {
  const dir = tmp();
  const f = path.join(dir, 'history.jsonl');
  appendLine(f, JSON.stringify({ epoch: 1 }));
  appendLine(f, JSON.stringify({ epoch: 2 }));
  fs.appendFileSync(f, '{"epoch": 3, "tr');
  assert.deepEqual(readJsonLines(f), [{ epoch: 1 }, { epoch: 2 }]);
  fs.writeFileSync(f, '{"epoch": 1}\n{oops\n{"epoch": 3}\n');
  assert.throws(() => readJsonLines(f), /line 2/);
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

test('a running run whose process is gone reads as interrupted', () => {
  const store = new RunStore(tmp());
  const run = store.create('x', {});
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  run.update({ status: 'running', pid: Number(child.stdout) });
  assert.equal(store.open(run.id).observedStatus, 'interrupted');
  run.update({ pid: process.pid });
  assert.equal(store.open(run.id).observedStatus, 'running');
});

test('opening a run that does not exist names it and says what was expected', () => {
  const store = new RunStore(tmp());
  assert.throws(() => store.open('nope'), (e: unknown) => e instanceof UserInputError && /nope/.test(e.message) && /run folder/.test(e.message));
});
