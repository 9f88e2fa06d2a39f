// The extension's pure pieces of the job runner: stdout cut into lines, worker events parsed,
// the queue that runs one job after the other, and the CLI command lines it asks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWorkerEvent } from '../../src/protocol';
import { LineSplitter } from '../../src/extension/lineSplitter';
import { JobQueue, jobUsingRun, type QueuedJob } from '../../src/extension/jobQueue';
import { evaluateArguments, sweepArguments, trainArguments, trainJobTitle } from '../../src/extension/cliArguments';
import { parseCommandArgs } from '../../src/cli/args';
import { SWEEP_OPTIONS } from '../../src/cli/commands/sweep';
import { TRAIN_OPTIONS } from '../../src/cli/commands/train';
import { configFromArgs, evaluationFromArgs } from '../../src/cli/sharedOptions';

test('LineSplitter hands on whole lines only, across chunk borders, and the last one on flush', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  splitter.push('{"v":1,"type":"sta');
  assert.deepEqual(lines, []);
  splitter.push('rted"}\r\nsecond\nthi');
  assert.deepEqual(lines, ['{"v":1,"type":"started"}', 'second']);
  splitter.push('rd');
  splitter.flush();
  assert.deepEqual(lines, ['{"v":1,"type":"started"}', 'second', 'third']);
  splitter.flush();
  assert.equal(lines.length, 3);
});

test('parseWorkerEvent takes protocol events and leaves other lines', () => {
  assert.deepEqual(parseWorkerEvent('{"v":1,"type":"checkpoint","runId":"r","epoch":2,"path":"/p"}'), { v: 1, type: 'checkpoint', runId: 'r', epoch: 2, path: '/p' });
  assert.equal(parseWorkerEvent('mnist: reading IDX files'), undefined);
  assert.equal(parseWorkerEvent('{"not":"an event"}'), undefined);
  assert.equal(parseWorkerEvent('{"v":1,"type":"epo'), undefined);
});

interface FakeJob {
  job: QueuedJob<string>;
  started: () => boolean;
  finish: (outcome: string) => void;
  cancelled: () => boolean;
}

function fakeJob(id: number): FakeJob {
  let started = false;
  let cancelled = false;
  let finish: (outcome: string) => void = () => undefined;
  const job: QueuedJob<string> = {
    id,
    title: `job ${id}`,
    start: () => {
      started = true;
      const done = new Promise<string>((resolve) => {
        finish = resolve;
      });
      return { done, cancel: () => { cancelled = true; finish(`cancelled ${id}`); } };
    },
    cancelledBeforeStart: () => `never started ${id}`,
  };
  return { job, started: () => started, finish: (outcome) => finish(outcome), cancelled: () => cancelled };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('JobQueue runs one job at a time, in order', async () => {
  const queue = new JobQueue<string>();
  const first = fakeJob(1);
  const second = fakeJob(2);
  const firstDone = queue.enqueue(first.job);
  const secondDone = queue.enqueue(second.job);
  assert.equal(first.started(), true);
  assert.equal(second.started(), false, 'the second waits');
  assert.equal(queue.running?.id, 1);
  assert.deepEqual(queue.waiting.map((job) => job.id), [2]);
  first.finish('done 1');
  assert.equal(await firstDone, 'done 1');
  await tick();
  assert.equal(second.started(), true, 'the second starts when the first ended');
  second.finish('done 2');
  assert.equal(await secondDone, 'done 2');
  assert.equal(queue.running, undefined);
});

test('JobQueue cancel: a waiting job never starts; the running one is asked to stop', async () => {
  const queue = new JobQueue<string>();
  const first = fakeJob(1);
  const second = fakeJob(2);
  const third = fakeJob(3);
  const done = [queue.enqueue(first.job), queue.enqueue(second.job), queue.enqueue(third.job)];
  assert.equal(queue.cancel(2), true);
  assert.equal(await done[1], 'never started 2');
  assert.equal(queue.cancel(1), true);
  assert.equal(first.cancelled(), true);
  assert.equal(await done[0], 'cancelled 1');
  await tick();
  assert.equal(second.started(), false);
  assert.equal(third.started(), true, 'the queue goes on after a cancel');
  assert.equal(queue.cancel(42), false, 'an unknown job');
  queue.dispose();
  assert.equal(await done[2], 'cancelled 3', 'dispose stops the running job');
});

test('JobQueue: a job whose start throws ends as never-started and the next one runs', async () => {
  const queue = new JobQueue<string>();
  const broken: QueuedJob<string> = { id: 1, title: 'broken', start: () => { throw new Error('no node'); }, cancelledBeforeStart: () => 'not started' };
  const next = fakeJob(2);
  const brokenDone = queue.enqueue(broken);
  const nextDone = queue.enqueue(next.job);
  assert.equal(await brokenDone, 'not started');
  assert.equal(next.started(), true);
  next.finish('ok');
  assert.equal(await nextDone, 'ok');
});

test('trainArguments: every option on the command line, --out and --events jsonl always', () => {
  const args = trainArguments({
    dataset: 'mnist', architecture: 'lenet', loss: 'logitnorm', tau: 0.04, lambda: 0.05, epochs: 3, batchSize: 64, lr: 0.01,
    schedule: 'cosine', seed: 7, limit: 500, oodProbe: 'gaussian', backend: 'auto', dataFolder: '/data', cacheFolder: '/cache', runsFolder: '/ws/.oodlens/runs',
  });
  assert.deepEqual(args, [
    'train', '--dataset', 'mnist', '--arch', 'lenet', '--epochs', '3', '--batch-size', '64', '--backend', 'auto', '--lr', '0.01',
    '--schedule', 'cosine', '--seed', '7', '--limit', '500', '--ood-probe', 'gaussian', '--data-dir', '/data', '--cache-dir', '/cache',
    '--loss', 'logitnorm', '--tau', '0.04', '--out', '/ws/.oodlens/runs', '--events', 'jsonl',
  ]);
  const ce = trainArguments({ dataset: 'mnist', architecture: 'mlp', loss: 'ce', tau: 0.04, lambda: 0.05, epochs: 1, batchSize: 128, lr: 0.1, backend: 'wasm', runsFolder: '/r', limit: 0 });
  assert.ok(!ce.includes('--tau') && !ce.includes('--lambda') && !ce.includes('--limit'), ce.join(' '));
  const penalty = trainArguments({ dataset: 'mnist', architecture: 'mlp', loss: 'logitpenalty', tau: 0.04, lambda: 0.1, epochs: 1, batchSize: 128, lr: 0.1, backend: 'wasm', runsFolder: '/r' });
  assert.deepEqual(penalty.slice(penalty.indexOf('--lambda'), penalty.indexOf('--lambda') + 2), ['--lambda', '0.1']);
  assert.equal(trainJobTitle({ loss: 'logitnorm', tau: 0.04, lambda: 0.05, architecture: 'lenet', dataset: 'mnist', epochs: 1 }), 'Train LogitNorm tau=0.04 · lenet on mnist, 1 epoch');
});

test('trainArguments: the augmentation picked reaches the CLI as --augment, and auto (the data set\'s own) adds no flag', () => {
  const base = { dataset: 'mnist', architecture: 'lenet', loss: 'ce', tau: 0.04, lambda: 0.05, epochs: 1, batchSize: 128, backend: 'wasm', runsFolder: '/r' } as const;
  for (const augment of ['none', 'crop-flip'] as const) {
    const args = trainArguments({ ...base, augment });
    const { values } = parseCommandArgs(args.slice(1), TRAIN_OPTIONS, 'usage');
    assert.equal(configFromArgs(values).augment, augment, args.join(' '));
  }
  for (const augment of ['auto', undefined] as const) assert.ok(!trainArguments({ ...base, augment }).includes('--augment'));
});

test('trainArguments: no learning rate or schedule given leaves both flags out (the engine\'s recipe)', () => {
  const args = trainArguments({ dataset: 'mnist', architecture: 'cnn-bn', loss: 'ce', tau: 0.04, lambda: 0.05, epochs: 1, batchSize: 128, backend: 'wasm', runsFolder: '/r' });
  assert.ok(!args.includes('--lr') && !args.includes('--schedule') && !args.includes('--nesterov'), args.join(' '));
});

test('sweepArguments: one job, `ood-lens sweep`, whose flags the CLI reads back as the settings asked for', () => {
  const args = sweepArguments({
    taus: [0.01, 0.05],
    train: { dataset: 'mnist', architecture: 'mlp', epochs: 1, batchSize: 64, limit: 300, seed: 3, backend: 'wasm', cacheFolder: '/cache', runsFolder: '/ws/.oodlens/runs' },
    oodSets: ['gaussian', 'uniform'], scorers: ['msp', 'energy'], scorer: 'msp', oodCount: 500,
  });
  assert.equal(args[0], 'sweep');
  const { values, positionals } = parseCommandArgs(args.slice(1), SWEEP_OPTIONS, 'usage');
  assert.deepEqual(positionals, []);
  assert.deepEqual([values.taus, values.scorer, values.out, values.events], ['0.01,0.05', 'msp', '/ws/.oodlens/runs', 'jsonl']);
  const config = configFromArgs({ ...values, loss: 'logitnorm', tau: '0.01' });
  assert.deepEqual([config.dataset, config.arch, config.epochs, config.batchSize, config.limit, config.seed, config.backend, config.loss, config.tau], ['mnist', 'mlp', 1, 64, 300, 3, 'wasm', 'logitnorm', 0.01]);
  const evaluation = evaluationFromArgs(values);
  assert.deepEqual([evaluation.oodSets, evaluation.scorers, evaluation.oodCount], [['gaussian', 'uniform'], ['msp', 'energy'], 500]);
  assert.ok(!args.includes('--loss') && !args.includes('--tau') && !args.includes('--lr'), 'the sweep sets the loss and tau; the recipe the learning rate');
  assert.throws(() => sweepArguments({ taus: [0.01], train: { dataset: 'mnist', architecture: 'mlp', epochs: 1, batchSize: 64, backend: 'wasm', runsFolder: '/r' }, oodSets: ['gaussian'], scorers: ['msp'], scorer: 'msp' }), /two or more taus/);
});

test('evaluateArguments', () => {
  assert.deepEqual(
    evaluateArguments({ target: '/r/run/checkpoints/epoch-1', oodSets: ['gaussian', 'uniform'], scorers: ['msp', 'energy'], oodCount: 1000, backend: 'auto', cacheFolder: '/c', runsFolder: '/r' }),
    ['evaluate', '/r/run/checkpoints/epoch-1', '--ood', 'gaussian,uniform', '--scorers', 'msp,energy', '--backend', 'auto', '--ood-count', '1000', '--cache-dir', '/c', '--out', '/r', '--events', 'jsonl'],
  );
  assert.throws(() => evaluateArguments({ target: 'x', oodSets: [], scorers: ['msp'], backend: 'auto', runsFolder: '/r' }), /OOD set/);
});

test('jobUsingRun finds the running or queued job that uses a run folder, comparing resolved paths', () => {
  const jobs = [
    { id: 1, title: 'Train LogitNorm · mlp · mnist', state: 'running' as const, runDir: '/ws/.oodlens/runs/a' },
    { id: 2, title: 'Train CE (no run folder yet)', state: 'queued' as const },
    { id: 3, title: 'Evaluate OOD · b epoch-2', state: 'queued' as const, runDir: '/ws/.oodlens/runs/b' },
  ];
  assert.equal(jobUsingRun(jobs, '/ws/.oodlens/runs/a')?.id, 1);
  assert.equal(jobUsingRun(jobs, '/ws/.oodlens/runs/x/../b/')?.id, 3, 'a path with .. and a trailing slash names the same folder');
  assert.equal(jobUsingRun(jobs, '/ws/.oodlens/runs/c'), undefined);
  assert.equal(jobUsingRun(jobs, '/ws/.oodlens/runs'), undefined, 'the runs folder itself is not a run a job uses');
  assert.equal(jobUsingRun([], '/ws/.oodlens/runs/a'), undefined);
});
