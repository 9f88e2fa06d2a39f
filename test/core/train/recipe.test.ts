import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFromArgs } from '../../../src/cli/sharedOptions';
import { UserInputError } from '../../../src/core/errors';
import { MODELS } from '../../../src/core/models/registry';
import { ARCHITECTURE_RATES, MIN_STEPS, defaultRecipe, defaultWarmupEpochs, shortRunWarning } from '../../../src/core/train/recipe';
import { parseSchedule } from '../../../src/core/train/schedule';

test('every architecture of the registry has a recipe, and no recipe names an unknown one', () => {
  assert.deepEqual(Object.keys(ARCHITECTURE_RATES).sort(), Object.keys(MODELS).sort());
});

test('the warm-up is a fifth of the run, at most one epoch', () => {
  // 1 epoch -> 0.2; 2 -> 0.4; 3 -> 0.6; 5 and more -> 1.
  assert.deepEqual([1, 2, 3, 5, 8, 200].map(defaultWarmupEpochs), [0.2, 0.4, 0.6, 1, 1, 1]);
});

test('networks with batch norm before the logits get the paper\'s lr 0.1 with Nesterov; the others 0.01', () => {
  assert.deepEqual(defaultRecipe('cnn-bn', 15), { lr: 0.1, nesterov: true, schedule: 'cosine+warmup:1' });
  assert.deepEqual(defaultRecipe('wrn-40-2', 200), { lr: 0.1, nesterov: true, schedule: 'cosine+warmup:1' });
  assert.deepEqual(defaultRecipe('lenet', 1), { lr: 0.01, nesterov: false, schedule: 'cosine+warmup:0.2' });
  assert.deepEqual(defaultRecipe('mlp', 2), { lr: 0.01, nesterov: false, schedule: 'cosine+warmup:0.4' });
  // An unknown name (the engine rejects it later) gets the safe rate, never the high one.
  assert.equal(defaultRecipe('vgg', 5).lr, 0.01);
});

test('LogitNorm with tau below 0.04 on a network without batch norm gets lr 0.01 * tau / 0.04; other losses, larger taus and batch-norm networks do not', () => {
  assert.equal(defaultRecipe('lenet', 5, { loss: 'logitnorm', tau: 0.005 }).lr, 0.00125);
  assert.equal(defaultRecipe('mlp', 5, { loss: 'logitnorm', tau: 0.02 }).lr, 0.005);
  assert.equal(defaultRecipe('lenet', 5, { loss: 'logitnorm', tau: 0.04 }).lr, 0.01);
  assert.equal(defaultRecipe('lenet', 5, { loss: 'logitnorm', tau: 0.1 }).lr, 0.01);
  assert.equal(defaultRecipe('lenet', 5, { loss: 'ce', tau: 0.005 }).lr, 0.01);
  assert.equal(defaultRecipe('cnn-bn', 5, { loss: 'logitnorm', tau: 0.005 }).lr, 0.1);
  // The CLI passes the loss and tau given: a sweep's tau 0.005 run gets the lower rate.
  assert.equal(configFromArgs({ tau: '0.005' }).lr, 0.00125);
  assert.equal(configFromArgs({ tau: '0.005', lr: '0.01' }).lr, 0.01);
});

test('a one-epoch default run reaches the full rate after a fifth of its steps (the old one-epoch warm-up never did)', () => {
  // 100 steps, lr 0.1, cosine over 1 epoch, warm-up 0.2 epoch = 20 steps.
  const schedule = parseSchedule(defaultRecipe('cnn-bn', 1).schedule, 0.1, 1);
  const rates = Array.from({ length: 100 }, (_, step) => schedule(0, step, 100));
  // Step k of the warm-up runs at (k + 1) / 20 of the cosine rate 0.05 (1 + cos(pi k / 100)).
  const expected = (k: number) => 0.05 * (1 + Math.cos((Math.PI * k) / 100)) * Math.min(1, (k + 1) / 20);
  for (const k of [0, 9, 19, 50, 99]) assert.ok(Math.abs(rates[k] - expected(k)) < 1e-12, `step ${k}: ${rates[k]} vs ${expected(k)}`);
  // The largest rate is 0.05 (1 + cos(0.19 pi)) = 0.0914 (step 19), against about
  // 0.05 (1 + cos(0.4 pi)) 0.41 = 0.0268 (near step 40) under cosine+warmup:1.
  const old = parseSchedule('cosine+warmup:1', 0.1, 1);
  const oldMax = Math.max(...Array.from({ length: 100 }, (_, step) => old(0, step, 100)));
  assert.ok(Math.abs(Math.max(...rates) - 0.0914) < 1e-3 && oldMax < 0.028, `${Math.max(...rates)} vs ${oldMax}`);
});

test('the CLI fills lr, Nesterov and schedule from the recipe of the architecture and epochs given, and keeps what the user gave', () => {
  const none = configFromArgs({});
  assert.deepEqual([none.arch, none.epochs, none.lr, none.nesterov, none.schedule], ['lenet', 5, 0.01, false, 'cosine+warmup:1']);
  const bn = configFromArgs({ arch: 'cnn-bn', epochs: '2' });
  assert.deepEqual([bn.lr, bn.nesterov, bn.schedule], [0.1, true, 'cosine+warmup:0.4']);
  const given = configFromArgs({ arch: 'cnn-bn', lr: '0.05', schedule: 'step:80,140', 'no-nesterov': true });
  assert.deepEqual([given.lr, given.nesterov, given.schedule], [0.05, false, 'step:80,140']);
  assert.equal(configFromArgs({ arch: 'lenet', nesterov: true }).nesterov, true);
  assert.throws(() => configFromArgs({ nesterov: true, 'no-nesterov': true }), (e: unknown) => e instanceof UserInputError && /--nesterov and --no-nesterov/.test(e.message));
});

test('a run with fewer steps than its architecture needs gets one short-run line naming the steps; batch-norm networks never', () => {
  const run = { epochs: 1, images: 12_672, batchSize: 128 };
  assert.equal(shortRunWarning('mlp', 100, run), undefined);
  assert.match(shortRunWarning('mlp', 99, run) ?? '', /^short-run: 99 training steps \(1 epoch of 12,672 images at batch 128\); mlp needs about 100 steps/);
  assert.equal(shortRunWarning('lenet', 400, run), undefined);
  assert.match(shortRunWarning('lenet', 399, run) ?? '', /lenet needs about 400 steps/);
  assert.match(shortRunWarning('cnn', 1, { epochs: 1, images: 1, batchSize: 128 }) ?? '', /^short-run: 1 training step \(1 epoch of 1 image at batch 128\)/);
  for (const arch of ['cnn-bn', 'wrn-40-2', 'resnet18']) assert.equal(shortRunWarning(arch, 1, run), undefined);
  // Every minimum belongs to a network without batch norm before the logits (the low rate).
  for (const arch of Object.keys(MIN_STEPS)) assert.equal(ARCHITECTURE_RATES[arch].lr, 0.01);
});
