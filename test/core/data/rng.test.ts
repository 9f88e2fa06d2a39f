import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, deriveSeed, shuffledIndices } from '../../../src/core/data/rng';

test('same seed gives the same stream, another seed another one', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const streamA = Array.from({ length: 100 }, () => a.nextUint32());
  const streamB = Array.from({ length: 100 }, () => b.nextUint32());
  const streamC = Array.from({ length: 100 }, () => c.nextUint32());
  assert.deepEqual(streamA, streamB);
  assert.notDeepEqual(streamA, streamC);
});

test('next() is in [0, 1) with mean 1/2 and variance 1/12; int(n) covers 0..n-1', () => {
  const rng = createRng(7);
  const n = 100_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = rng.next();
    assert.ok(v >= 0 && v < 1);
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(sumSq / n - mean * mean - 1 / 12) < 0.002);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60_000; i++) counts[rng.int(6)]++;
  for (const count of counts) assert.ok(Math.abs(count - 10_000) < 400, `counts ${counts}`);
});

test('normal() has mean 0 and std 1', () => {
  const rng = createRng(1);
  const n = 100_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = rng.normal();
    sum += v;
    sumSq += v * v;
  }
  assert.ok(Math.abs(sum / n) < 0.015);
  assert.ok(Math.abs(Math.sqrt(sumSq / n) - 1) < 0.015);
});

test('shuffledIndices is a seeded permutation', () => {
  const order = shuffledIndices(1000, createRng(5));
  assert.deepEqual(Array.from(order).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(order, shuffledIndices(1000, createRng(5)));
  assert.notDeepEqual(order, shuffledIndices(1000, createRng(6)));
  assert.equal(shuffledIndices(0, createRng(5)).length, 0);
});

test('deriveSeed separates labels and seeds', () => {
  assert.equal(deriveSeed(1, 'a'), deriveSeed(1, 'a'));
  assert.notEqual(deriveSeed(1, 'a'), deriveSeed(1, 'b'));
  assert.notEqual(deriveSeed(1, 'a'), deriveSeed(2, 'a'));
});
