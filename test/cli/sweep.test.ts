// `ood-lens sweep`: the tau sweep VS Code's "Sweep tau" and the bench run, as a user runs it.
// Real training and evaluation on MNIST, kept tiny; each number in the record is checked
// against the evaluation files it names, worked out here.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { EvaluationResult } from '../../src/core/evaluate/results';
import type { SweepRecord } from '../../src/core/sweep/sweepRecord';
import { runWithEvents } from './eventStream';

const cli = path.resolve('dist/cli.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-sweep-cli-'));
const cache = tmp();
const TINY = ['--dataset', 'mnist', '--arch', 'mlp', '--epochs', '1', '--limit', '256', '--probe-size', '100', '--ood', 'gaussian,uniform', '--ood-count', '200', '--id-limit', '300', '--fit-samples', '100', '--backend', 'wasm', '--cache-dir', cache];

before(() => {
  assert.ok(fs.existsSync(cli), 'dist/cli.js is built (npm run build)');
});

test('ood-lens sweep --taus 0.02,0.05: a LogitNorm run per tau, each evaluated; the record\'s metrics are its evaluations\' and its best tau the lowest FPR95', () => {
  const out = tmp();
  const r = spawnSync(process.execPath, [cli, 'sweep', '--taus', '0.05,0.02', ...TINY, '--out', out, '--events', 'jsonl'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
  assert.ok(events.every((event) => event.v === 1), 'stdout is the event stream only');
  const sweepEvents = events.filter((event) => event.type === 'sweep');
  const sweepFile: string = sweepEvents[0].sweepFile;
  assert.equal(path.dirname(sweepFile), path.join(out, '.sweeps'));
  // Each tau in turn: training (then its run named), evaluating, done.
  assert.deepEqual(
    sweepEvents.filter((event) => event.point).map((event) => `${event.point.tau} ${event.point.status}${event.point.runId ? ' run' : ''}`),
    ['0.02 training', '0.02 training run', '0.02 evaluating run', '0.02 done run', '0.05 training', '0.05 training run', '0.05 evaluating run', '0.05 done run'],
  );
  assert.deepEqual(events.filter((event) => event.type === 'finished').map((event) => event.job), ['train', 'evaluate', 'train', 'evaluate', 'sweep']);

  const record = JSON.parse(fs.readFileSync(sweepFile, 'utf8')) as SweepRecord;
  assert.equal(record.status, 'done');
  assert.deepEqual(record.points.map((point) => [point.tau, point.status]), [[0.02, 'done'], [0.05, 'done']], 'both taus, smallest first');
  assert.deepEqual(fs.readdirSync(path.join(out, '.sweeps')), [path.basename(sweepFile)], 'no temporary file is left');
  const averages: Array<{ tau: number; fpr95: number; auroc: number }> = [];
  for (const point of record.points) {
    const run = JSON.parse(fs.readFileSync(path.join(point.runDir!, 'run.json'), 'utf8'));
    assert.deepEqual([run.status, run.config.loss, run.config.tau, run.config.epochs, run.config.limit], ['done', 'logitnorm', point.tau, 1, 256]);
    // The recipe's learning rate for LogitNorm on an MLP below tau 0.04 is 0.01 * tau / 0.04 (core/train/recipe.ts).
    assert.ok(Math.abs(run.config.lr - 0.01 * Math.min(point.tau, 0.04) / 0.04) < 1e-12, `tau ${point.tau}: lr ${run.config.lr}`);
    const evaluation = JSON.parse(fs.readFileSync(point.evaluationFile!, 'utf8')) as EvaluationResult;
    assert.equal(path.dirname(path.dirname(point.evaluationFile!)), point.runDir);
    assert.equal(evaluation.checkpoint.epoch, 1, 'the last checkpoint');
    const msp = evaluation.results.filter((row) => row.scorer === 'msp');
    assert.deepEqual(msp.map((row) => row.oodSet), ['gaussian', 'uniform']);
    const metrics = point.metrics!;
    assert.ok(metrics.idAccuracy > 0.1 && metrics.idAccuracy <= 1, `ID accuracy ${metrics.idAccuracy} above chance`);
    assert.equal(metrics.idAccuracy, evaluation.idAccuracy);
    const fpr95 = (msp[0].fpr95 + msp[1].fpr95) / 2;
    const auroc = (msp[0].auroc + msp[1].auroc) / 2;
    assert.ok(Math.abs(metrics.average.fpr95 - fpr95) < 1e-12 && Math.abs(metrics.average.auroc - auroc) < 1e-12, `tau ${point.tau}: ${JSON.stringify(metrics.average)} vs ${fpr95}, ${auroc}`);
    for (const value of [metrics.average.fpr95, metrics.average.auroc]) assert.ok(value >= 0 && value <= 1, `a fraction: ${value}`);
    assert.deepEqual(metrics.perOodSet, { gaussian: { fpr95: msp[0].fpr95, auroc: msp[0].auroc }, uniform: { fpr95: msp[1].fpr95, auroc: msp[1].auroc } });
    averages.push({ tau: point.tau, fpr95, auroc });
  }
  // The best tau, worked out here: the lowest average FPR95, ties to the higher AUROC, then the smaller tau.
  const best = averages.reduce((a, b) => (b.fpr95 < a.fpr95 || (b.fpr95 === a.fpr95 && b.auroc > a.auroc) ? b : a));
  assert.equal(record.bestTau, best.tau);
  assert.deepEqual(events.at(-1), { v: 1, type: 'finished', job: 'sweep', runId: record.id, status: 'done', summary: { bestTau: best.tau } });

  // --reuse: the same sweep again trains and evaluates nothing; a new record names the same runs and evaluations.
  const again = spawnSync(process.execPath, [cli, 'sweep', '--taus', '0.02,0.05', ...TINY, '--out', out, '--reuse', '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(again.status, 0, again.stderr);
  const reused = JSON.parse(again.stdout) as SweepRecord;
  assert.notEqual(reused.id, record.id);
  assert.deepEqual(reused.points.map((point) => [point.runDir, point.evaluationFile]), record.points.map((point) => [point.runDir, point.evaluationFile]));
  assert.equal(reused.bestTau, record.bestTau);
  assert.equal(fs.readdirSync(out).filter((name) => !name.startsWith('.')).length, 2, 'no new run folder');
  assert.match(again.stderr, /best tau: /);
});

test('ood-lens sweep: SIGTERM during the first tau ends the sweep cancelled, and the second tau never starts', async () => {
  const out = tmp();
  let sweepFile = '';
  let signalled = false;
  const code = await runWithEvents(['sweep', '--taus', '0.02,0.05', ...TINY.map((arg) => (arg === '256' ? '20000' : arg)), '--epochs', '3', '--out', out, '--events', 'jsonl'], (event, child) => {
    if (event.type === 'sweep') sweepFile = event.sweepFile;
    if (event.type === 'progress' && event.job === 'train' && !signalled) {
      signalled = true;
      child.kill('SIGTERM');
    }
  });
  assert.equal(code, 130);
  const record = JSON.parse(fs.readFileSync(sweepFile, 'utf8')) as SweepRecord;
  assert.equal(record.status, 'cancelled');
  assert.deepEqual(record.points.map((point) => point.status), ['cancelled', 'cancelled']);
  assert.equal(record.points[1].runDir, undefined);
  assert.deepEqual(fs.readdirSync(out).filter((name) => !name.startsWith('.')), [path.basename(record.points[0].runDir!)], 'only the first tau made a run folder');
  assert.equal(JSON.parse(fs.readFileSync(path.join(record.points[0].runDir!, 'run.json'), 'utf8')).status, 'cancelled');
});

test('ood-lens sweep: flags it sets itself, bad taus and an unknown --select-on are one-line errors, exit 2, nothing written', () => {
  const out = tmp();
  const cases: [string[], RegExp][] = [
    [['--loss', 'ce'], /--loss is not a sweep flag: a tau sweep trains LogitNorm/],
    [['--tau', '0.1'], /--tau is not a sweep flag: the taus come from --taus/],
    [['--taus', '0.01,abc'], /--taus: "abc" is not a number/],
    [['--taus', '0.01'], /--taus: a sweep needs two or more taus/],
    [['--select-on', 'svhn'], /--select-on svhn is not one of the OOD sets \(gaussian, uniform\)/],
    [['--scorers', 'msp,vim'], /unknown scorer 'vim'/],
    [['--dataset', 'cifar11'], /unknown dataset 'cifar11'/],
  ];
  for (const [args, pattern] of cases) {
    const r = spawnSync(process.execPath, [cli, 'sweep', ...TINY, ...args, '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, ${r.stderr}`);
    assert.match(r.stderr.split('\n').find((line) => line.startsWith('ood-lens:')) ?? '', pattern, r.stderr);
  }
  assert.deepEqual(fs.readdirSync(out), []);
  const help = spawnSync(process.execPath, [cli, 'sweep', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: ood-lens sweep \[--taus 0\.005,0\.01,0\.02,0\.04,0\.05\]/);
});
