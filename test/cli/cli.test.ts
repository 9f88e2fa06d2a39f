import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runWithEvents } from './eventStream';

// The built CLI (npm test builds first), run as a user runs it.
const cli = path.resolve('dist/cli.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-cli-'));
function ood(args: string[], cwd = process.cwd()) {
  return spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
}

before(() => {
  assert.ok(fs.existsSync(cli), 'dist/cli.js is built (npm run build)');
});

test('unknown names and bad numbers are one-line errors that name the input, exit 2', () => {
  const out = tmp();
  const cases: [string[], RegExp][] = [
    [['train', '--dataset', 'cifar11', '--out', out], /unknown dataset 'cifar11'.*mnist/],
    [['train', '--arch', 'vgg', '--out', out], /unknown architecture 'vgg'|unknown arch.*'vgg'/],
    [['train', '--loss', 'focal', '--out', out], /unknown loss 'focal'/],
    [['train', '--epochs', 'two', '--out', out], /--epochs expects a number, got 'two'/],
    // The error names the flag as it is typed, not the config field (batchSize).
    [['train', '--batch-size', '0', '--out', out], /--batch-size must be a whole number >= 1, got 0/],
    [['train', '--checkpoint-every', '1.5', '--out', out], /--checkpoint-every must be a whole number >= 1, got 1\.5/],
    [['train', '--backend', 'tpu', '--out', out], /unknown backend 'tpu'/],
    [['train', '--dataset', '/nonexistent/folder', '--out', out], /nonexistent/],
    [['train', '--frobnicate', '--out', out], /frobnicate/],
    [['evaluate', 'no-such-run', '--out', out], /no run 'no-such-run'/],
    [['evaluate', 'x', '--scorers', 'msp,vim', '--out', out], /unknown scorer 'vim'/],
    [['metrics', '--id', '/nonexistent/id.txt', '--ood', '/nonexistent/ood.txt'], /\/nonexistent\/id\.txt/],
    [['nonsense'], /unknown command 'nonsense'/],
    [['backend', '--backend', 'tpu'], /unknown backend 'tpu'/],
    [['train', '--limit', '64', '--out', '/dev/null/runs'], /cannot write runs to \/dev\/null\/runs \(ENOTDIR\)/],
  ];
  for (const [args, pattern] of cases) {
    const r = ood(args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    const line = r.stderr.split('\n').find((l) => l.startsWith('ood-lens:')) ?? '';
    assert.match(line, pattern, `${args.join(' ')}: ${r.stderr}`);
  }
  // A bad name leaves no run folder behind.
  assert.deepEqual(fs.existsSync(out) ? fs.readdirSync(out) : [], []);
});

test('backend says which backend a job would get and why; --json for scripts', () => {
  const r = ood(['backend', '--backend', 'wasm', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const answer = JSON.parse(r.stdout.trim()) as { backend: string; tfBackend: string; reason: string };
  assert.deepEqual([answer.backend, answer.tfBackend], ['wasm', 'wasm']);
  assert.match(answer.reason, /^wasm: loaded, SIMD/);
  const text = ood(['backend', '--backend', 'cpu']);
  assert.equal(text.stdout.trim(), 'cpu (cpu: pure JavaScript (slowest))');
});

test('metrics of two score files: hand-computed AUROC and FPR95', () => {
  const dir = tmp();
  // ID {3, 4, 5, 6}, OOD {1, 2, 3.5, 7}: pairs with ID > OOD: 3>1,2; 4>1,2,3.5; 5>..3.5; 6>..3.5 = 2+3+3+3 = 11 of 16.
  fs.writeFileSync(path.join(dir, 'id.txt'), '3\n4\n5\n6\n');
  fs.writeFileSync(path.join(dir, 'ood.txt'), '1\n2\n\n3.5\n7\n');
  const r = ood(['metrics', '--id', path.join(dir, 'id.txt'), '--ood', path.join(dir, 'ood.txt'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  assert.equal(m.idCount, 4);
  assert.equal(m.oodCount, 4);
  assert.ok(Math.abs(m.auroc - 11 / 16) < 1e-12);
  // Keeping >= 95% of ID needs threshold 3 (all four ID): OOD at or above 3 are 3.5 and 7 -> 2/4.
  assert.ok(Math.abs(m.fpr95 - 0.5) < 1e-12);
  fs.writeFileSync(path.join(dir, 'bad.txt'), '1\nabc\n');
  const bad = ood(['metrics', '--id', path.join(dir, 'bad.txt'), '--ood', path.join(dir, 'ood.txt')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad\.txt:2: 'abc' is not a number/);
});

test('train --events jsonl puts only JSON events on stdout, then evaluate and report read the run', () => {
  const out = tmp();
  const cache = tmp();
  const r = ood(['train', '--dataset', 'mnist', '--arch', 'mlp', '--loss', 'logitnorm', '--epochs', '2', '--limit', '512', '--probe-size', '100', '--backend', 'wasm', '--out', out, '--cache-dir', cache, '--events', 'jsonl']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  const events = lines.map((l) => JSON.parse(l));
  assert.ok(events.every((e) => e.v === 1 && typeof e.type === 'string'));
  // 8 steps of the MLP are below its 100-step minimum: one short-run warning (core/train/recipe.ts).
  assert.deepEqual([...new Set(events.map((e) => e.type))].sort(), ['checkpoint', 'epoch', 'finished', 'progress', 'started', 'warning'].sort());
  assert.deepEqual(events.filter((e) => e.type === 'warning').map((e) => e.code), ['short-run']);
  const started = events.find((e) => e.type === 'started');
  assert.equal(started.backend, 'wasm');
  const runJson = JSON.parse(fs.readFileSync(path.join(started.runDir, 'run.json'), 'utf8'));
  assert.equal(runJson.status, 'done');
  assert.equal(runJson.backend.name, 'wasm');

  const ev = ood(['evaluate', started.runId, '--out', out, '--cache-dir', cache, '--backend', 'wasm', '--ood', 'gaussian,uniform', '--scorers', 'msp,energy', '--ood-count', '300', '--id-limit', '300', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const result = JSON.parse(ev.stdout);
  assert.equal(result.results.length, 4);
  assert.equal(result.idCount, 300);
  for (const row of result.results) {
    for (const k of ['fpr95', 'auroc', 'auprIn', 'auprOut']) assert.ok(row[k] >= 0 && row[k] <= 1, `${k} ${row[k]}`);
    const idTotal = row.histogram.id.counts.reduce((a: number, b: number) => a + b, 0);
    assert.equal(idTotal, 300);
  }
  assert.equal(fs.readdirSync(path.join(started.runDir, 'evaluations')).length, 1);

  const rep = ood(['report', '--out', out, '--format', 'csv']);
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stdout, /^table,label,metric,mean,std,n/);
  assert.match(rep.stdout, /table4,.*logitnorm.*,ECE,/);

  // A corrupt checkpoint is a clear error, and the run folder keeps what it had.
  const ckpt = path.join(started.runDir, 'checkpoints', 'epoch-2');
  fs.writeFileSync(path.join(ckpt, 'weights.bin'), 'truncated');
  const broken = ood(['evaluate', ckpt, '--out', out, '--cache-dir', cache, '--backend', 'wasm', '--scorers', 'msp', '--ood', 'gaussian']);
  assert.equal(broken.status, 2);
  assert.match(broken.stderr, /checkpoint .*epoch-2 does not load: weights\.bin holds 9 bytes/);
  assert.equal(fs.readdirSync(path.join(started.runDir, 'evaluations')).length, 1);
  // An OOD set of another shape is refused by name.
  const shape = ood(['evaluate', path.join(started.runDir, 'checkpoints', 'epoch-1'), '--out', out, '--cache-dir', cache, '--backend', 'wasm', '--scorers', 'msp', '--ood', 'cifar10', '--data-dir', cache]);
  assert.equal(shape.status, 2);
  assert.match(shape.stderr, /cifar10/);
});

test('SIGTERM during training stops at the next batch: exit 130, run marked cancelled, resumable', async () => {
  const out = tmp();
  let runDir = '';
  let signalled = false;
  const code = await runWithEvents(['train', '--dataset', 'mnist', '--arch', 'mlp', '--loss', 'ce', '--epochs', '5', '--limit', '20000', '--backend', 'wasm', '--out', out, '--events', 'jsonl'], (e, child) => {
    if (e.type === 'started') runDir = e.runDir;
    if (e.type === 'progress' && !signalled) {
      signalled = true;
      child.kill('SIGTERM');
    }
  });
  assert.equal(code, 130);
  const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  assert.equal(record.status, 'cancelled');
  assert.ok(record.epochsDone < 5);
});
