// run.json: one reader and one writer for every layer (core/runs/runRecord.ts). The engine's
// RunStore, the CLI's `runs` and the extension's tree read a folder by the same rules, and the
// extension's kill-time rewrite goes through the engine's atomic writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RunStore } from '../../../src/core/runs/runStore';
import { markRunCancelledAfterKill, parseRunFile, readRunFile, readRunSummaries, sortNewestFirst } from '../../../src/core/runs/runRecord';
import { readRunSummary } from '../../../src/extension/runFolders';
import { RunStoreCache } from '../../../src/extension/runStoreCache';
import { UserInputError } from '../../../src/core/errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-runrecord-'));

test('parseRunFile: each rule on a hand-written run.json', () => {
  assert.equal(parseRunFile(undefined).problem, 'run.json is missing');
  assert.match(parseRunFile('{"id": "x", "status": "do').problem ?? '', /^run\.json is not valid JSON/);
  assert.equal(parseRunFile('[1, 2]').problem, 'run.json is not a JSON object');
  assert.equal(parseRunFile('{"id": "x"}').problem, 'run.json has status none: expected one of running, done, failed, cancelled');
  assert.equal(parseRunFile('{"id": "x", "status": "finished"}').problem, 'run.json has status "finished": expected one of running, done, failed, cancelled');
  // The smallest run.json a person writes: the id comes from the folder, the lists and counts are empty.
  const small = parseRunFile('{"status": "done"}', '20261127-093000-mine');
  assert.deepEqual(small.record, { id: '20261127-093000-mine', status: 'done', config: {}, epochsDone: 0, warnings: [] });
  // Fields of the wrong type are dropped, unknown ones kept as they are.
  const odd = parseRunFile(JSON.stringify({ id: 'r', status: 'failed', config: 'lenet', warnings: ['a', 3, 'b'], epochsDone: '2', bestTestAccuracy: '0.9', error: 'boom', kind: 'weird', note: { by: 'hand' } }));
  assert.deepEqual(odd.record, { id: 'r', status: 'failed', config: {}, warnings: ['a', 'b'], epochsDone: 0, error: 'boom', note: { by: 'hand' } });
});

test('the engine, the CLI\'s list and the extension read one folder alike, also when its run.json is damaged', async () => {
  const root = tmp();
  const store = new RunStore(root);
  const good = store.create('mnist-mlp-ce-s1', { dataset: 'mnist', arch: 'mlp', loss: 'ce', epochs: 2 });
  good.update({ status: 'done', epochsDone: 2, bestTestAccuracy: 0.91, pid: undefined });
  const broken = store.create('mnist-mlp-ce-s2', { dataset: 'mnist', arch: 'mlp', loss: 'ce', epochs: 2 });
  fs.writeFileSync(path.join(broken.dir, 'run.json'), '{"id": "torn", "status": "ru');
  fs.mkdirSync(path.join(root, '.sweeps')); // not a run

  // The engine: the good run only; opening the broken one names the folder and the rule it broke.
  assert.deepEqual(store.list().map((run) => run.id), [good.id]);
  assert.throws(() => store.open(broken.id), (error: unknown) => error instanceof UserInputError && error.message.includes(broken.dir) && /run\.json is not valid JSON/.test(error.message));
  // The CLI's list and the extension's tree: both folders, the broken one with that problem.
  const cli = readRunSummaries(root);
  const extension = (await new RunStoreCache().list(root)).map((run) => run.summary);
  assert.deepEqual(extension, cli);
  const byId = (rows: Array<Array<string | undefined>>) => rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  assert.deepEqual(byId(cli.map((summary) => [summary.id, summary.status, summary.problem?.replace(/ \(.*$/, '')])), byId([
    [broken.id, 'unknown', 'run.json is not valid JSON'],
    [good.id, 'done', undefined],
  ]));
  const summary = await readRunSummary(good.dir);
  assert.deepEqual([summary.id, summary.status, summary.epochsDone, summary.bestTestAccuracy, summary.config], [good.id, 'done', 2, 0.91, { dataset: 'mnist', arch: 'mlp', loss: 'ce', epochs: 2 }]);
});

test('markRunCancelledAfterKill rewrites run.json through the engine\'s writer: only a running run of that process, keeping every field', () => {
  const store = new RunStore(tmp());
  const run = store.create('x', { arch: 'mlp' });
  // A field this version does not know survives the rewrite.
  fs.writeFileSync(path.join(run.dir, 'run.json'), JSON.stringify({ ...run.record, fromNewerVersion: [1, 2] }));
  const reason = 'cancelled: killed after SIGTERM';
  assert.equal(markRunCancelledAfterKill(run.dir, process.pid + 1, reason), false, 'another process wrote this run');
  assert.equal(store.open(run.id).record.status, 'running');
  assert.equal(markRunCancelledAfterKill(run.dir, process.pid, reason), true);
  const after = readRunFile(run.dir).record as unknown as Record<string, unknown>;
  assert.equal(after.status, 'cancelled');
  assert.deepEqual(after.warnings, [reason]);
  assert.deepEqual(after.fromNewerVersion, [1, 2]);
  assert.equal(after.pid, undefined, 'no process writes it any more');
  assert.ok(String(after.updatedAt) >= String(run.record.updatedAt));
  assert.deepEqual(fs.readdirSync(run.dir), ['run.json'], 'replaced whole: no temporary file left');
  assert.equal(markRunCancelledAfterKill(run.dir, process.pid, reason), false, 'a run that is not running is left alone');
  assert.equal(markRunCancelledAfterKill(path.join(run.dir, 'nothing'), undefined, reason), false);
});

test('a running run whose process is gone reads as interrupted in every layer', async () => {
  const root = tmp();
  const store = new RunStore(root);
  const run = store.create('x', {});
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  run.update({ status: 'running', pid: Number(child.stdout) });
  assert.equal(store.open(run.id).observedStatus, 'interrupted');
  assert.equal((await readRunSummary(run.dir)).status, 'interrupted');
  assert.equal(readRunSummaries(root)[0].status, 'interrupted');
});

test('runs of the same second are listed by folder name, last first, whatever order the folder gave', () => {
  const folders = ['20261127-101500-a', '20261127-101500-a-second', '20261127-101459-z'].map((name) => ({ runDir: path.join('/runs', name) }));
  const expected = ['20261127-101500-a-second', '20261127-101500-a', '20261127-101459-z'];
  for (const order of [[0, 1, 2], [1, 0, 2], [2, 1, 0], [2, 0, 1]]) {
    const sorted = sortNewestFirst(order.map((i) => folders[i]), () => undefined);
    assert.deepEqual(sorted.map((folder) => path.basename(folder.runDir)), expected);
  }
  // createdAt, where run.json has it, wins over the folder name.
  const withDates = sortNewestFirst([{ runDir: '/runs/b', createdAt: '2026-01-01T00:00:00Z' }, { runDir: '/runs/a', createdAt: '2026-02-01T00:00:00Z' }], (folder) => folder);
  assert.deepEqual(withDates.map((folder) => folder.runDir), ['/runs/a', '/runs/b']);
});
