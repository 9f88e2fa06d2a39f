import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Sgd } from '../../../src/core/train/sgd';
import { parseSchedule } from '../../../src/core/train/schedule';
import { UserInputError } from '../../../src/core/errors';

before(async () => {
  await tf.setBackend('cpu');
});

/** PyTorch's SGD written out for one parameter vector (dampening 0). */
function referenceSgd(w: number[], grads: number[][], lr: number, momentum: number, wd: number, nesterov: boolean): number[] {
  let buf: number[] | undefined;
  let x = w.slice();
  for (const grad of grads) {
    const g = grad.map((gi, i) => gi + wd * x[i]);
    buf = buf === undefined ? g.slice() : buf.map((b, i) => momentum * b + g[i]);
    const b = buf;
    const step = nesterov ? g.map((gi, i) => gi + momentum * b[i]) : b;
    x = x.map((xi, i) => xi - lr * step[i]);
  }
  return x;
}

for (const nesterov of [false, true]) {
  test(`SGD (nesterov ${nesterov}) matches PyTorch's update rule over three steps`, () => {
    const w0 = [0.5, -1.5, 2.0];
    const grads = [[0.1, 0.2, -0.3], [-0.4, 0.05, 0.6], [0.3, -0.2, 0.1]];
    const v = tf.variable(tf.tensor1d(w0));
    const sgd = new Sgd({ momentum: 0.9, nesterov, weightDecay: 5e-4 });
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      sgd.step([v], { [v.name]: gt }, 0.1);
      gt.dispose();
    }
    const got = Array.from(v.dataSync());
    const want = referenceSgd(w0, grads, 0.1, 0.9, 5e-4, nesterov);
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-6, `${g} vs ${want[i]}`));
    sgd.dispose();
    v.dispose();
  });
}

test('SGD state restores by position and continues exactly', () => {
  const grads = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.1]];
  const run = (split: boolean): number[] => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    let sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 0.01 });
    grads.forEach((g, i) => {
      if (split && i === 2) {
        const state = sgd.state([v]);
        sgd.dispose();
        sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 0.01 });
        sgd.restore([v], state);
      }
      const gt = tf.tensor1d(g);
      sgd.step([v], { [v.name]: gt }, 0.05);
      gt.dispose();
    });
    const out = Array.from(v.dataSync());
    sgd.dispose();
    v.dispose();
    return out;
  };
  assert.deepEqual(run(true), run(false));
});

test('SGD steps leave no tensors behind once the buffers exist', () => {
  const v = tf.variable(tf.tensor1d([1, 2]));
  const g = tf.tensor1d([0.1, 0.1]);
  const sgd = new Sgd({ momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
  sgd.step([v], { [v.name]: g }, 0.1);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) sgd.step([v], { [v.name]: g }, 0.1);
  assert.equal(tf.memory().numTensors, before);
  sgd.dispose();
  g.dispose();
  v.dispose();
});

test('step schedule divides by 10 at each milestone (1-based epochs as the paper counts)', () => {
  const s = parseSchedule('step:80,140', 0.1, 200);
  assert.equal(s(0, 0, 10), 0.1);
  assert.equal(s(79, 5, 10), 0.1); // the 80th epoch
  assert.ok(Math.abs(s(80, 0, 10) - 0.01) < 1e-12); // the 81st
  assert.ok(Math.abs(s(140, 0, 10) - 0.001) < 1e-12);
  assert.ok(Math.abs(parseSchedule('step:2@0.5', 1, 5)(3, 0, 1) - 0.5) < 1e-12);
});

test('cosine schedule: lr at the start, half at the middle, near 0 at the end', () => {
  const s = parseSchedule('cosine', 0.1, 10);
  assert.equal(s(0, 0, 100), 0.1);
  assert.ok(Math.abs(s(5, 0, 100) - 0.05) < 1e-12);
  assert.ok(s(9, 99, 100) < 1e-4);
});

test('warm-up ramps linearly over its steps, then leaves the schedule as it was', () => {
  // 10 steps an epoch, warm-up 0.5 epoch = 5 steps: step k runs at (k + 1) / 5 of the rate.
  const s = parseSchedule('constant+warmup:0.5', 0.1, 10);
  assert.ok(Math.abs(s(0, 0, 10) - 0.02) < 1e-12);
  assert.ok(Math.abs(s(0, 3, 10) - 0.08) < 1e-12);
  assert.equal(s(0, 4, 10), 0.1);
  assert.equal(s(3, 7, 10), 0.1);
  // Over two epochs of cosine: step 14 of 20 is at 15/20 of cosine's value there.
  const c = parseSchedule('cosine+warmup:2', 0.1, 10);
  const cosineAt = 0.5 * 0.1 * (1 + Math.cos(Math.PI * 1.4 / 10));
  assert.ok(Math.abs(c(1, 4, 10) - 0.75 * cosineAt) < 1e-12);
  assert.ok(Math.abs(c(5, 0, 10) - 0.05) < 1e-12);
});

test('an unknown schedule is a user error naming it', () => {
  assert.throws(() => parseSchedule('linear', 0.1, 10), (e: unknown) => e instanceof UserInputError && /linear/.test(e.message));
  assert.throws(() => parseSchedule('cosine+warmup:0', 0.1, 10), (e: unknown) => e instanceof UserInputError && /warmup:0/.test(e.message));
  assert.throws(() => parseSchedule('linear+warmup:1', 0.1, 10), (e: unknown) => e instanceof UserInputError && /linear/.test(e.message));
});
