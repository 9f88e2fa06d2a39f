// The throttle between the job runner's batch events and a dashboard: the first value at once,
// then at most one per interval, always the newest, and flush sends what waits now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestValueThrottle } from '../../src/extension/latestValueThrottle';

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

test('LatestValueThrottle: first at once, then the newest once per interval; older ones dropped', async () => {
  const sent: Array<{ value: number; at: number }> = [];
  const started = Date.now();
  const throttle = new LatestValueThrottle<number>(150, (value) => sent.push({ value, at: Date.now() - started }));
  throttle.push(1);
  assert.deepEqual(sent.map((entry) => entry.value), [1]);
  throttle.push(2);
  throttle.push(3);
  assert.deepEqual(sent.map((entry) => entry.value), [1], 'nothing more within the interval');
  await sleep(250);
  assert.deepEqual(sent.map((entry) => entry.value), [1, 3], '2 was replaced by 3 before its turn');
  assert.ok(sent[1].at - sent[0].at >= 145, `the second came ${sent[1].at - sent[0].at} ms after the first`);
  throttle.push(4);
  throttle.flush();
  assert.deepEqual(sent.map((entry) => entry.value), [1, 3, 4], 'flush sends at once');
  throttle.flush();
  assert.equal(sent.length, 3, 'nothing waits');
  throttle.push(5);
  throttle.dispose();
  await sleep(200);
  assert.equal(sent.length, 3, 'dispose drops what waits');
});

test('LatestValueThrottle: 50 values over a second go out as about five a second', async () => {
  const sent: number[] = [];
  const throttle = new LatestValueThrottle<number>(200, (value) => sent.push(value));
  for (let index = 1; index <= 50; index += 1) {
    throttle.push(index);
    await sleep(20);
  }
  throttle.flush();
  assert.equal(sent.at(-1), 50, 'the last value arrives');
  assert.ok(sent.length >= 4 && sent.length <= 8, `${sent.length} sent for 50 pushed over ~1 s`);
});
