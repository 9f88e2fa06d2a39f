import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noiseSet } from '../../../src/core/data/noise';

function meanAndStd(bytes: Uint8Array): { mean: number; std: number } {
  let sum = 0;
  let sumSq = 0;
  for (const b of bytes) {
    sum += b / 255;
    sumSq += (b / 255) ** 2;
  }
  const mean = sum / bytes.length;
  return { mean, std: Math.sqrt(sumSq / bytes.length - mean * mean) };
}

test('noise sets are seeded: same seed, same bytes; shape and count exact; no labels', () => {
  const a = noiseSet('gaussian', [32, 32, 3], 10, 1);
  assert.deepEqual(a.images, noiseSet('gaussian', [32, 32, 3], 10, 1).images);
  assert.notDeepEqual(a.images, noiseSet('gaussian', [32, 32, 3], 10, 2).images);
  assert.deepEqual([a.count, a.height, a.width, a.channels, a.images.length], [10, 32, 32, 3, 10 * 32 * 32 * 3]);
  assert.ok(a.labels.every((l) => l === -1));
  const u = noiseSet('uniform', [28, 28, 1], 4, 1);
  assert.deepEqual(u.images, noiseSet('uniform', [28, 28, 1], 4, 1).images);
});

test('gaussian noise: clip(N(0.5, 0.25^2), 0, 1) has mean 0.5 and std 0.2399', () => {
  // Clipping N(0, 1) at +-c keeps the mean at 0 and leaves E[X^2] =
  //   (2 Phi(c) - 1) - 2 c phi(c) + 2 c^2 (1 - Phi(c)); at c = 2 (0.5 / 0.25):
  //   0.954500 - 0.215964 + 0.182001 = 0.920537, so std = 0.25 * sqrt(0.920537) = 0.23986.
  const { mean, std } = meanAndStd(noiseSet('gaussian', [32, 32, 3], 100, 7).images);
  assert.ok(Math.abs(mean - 0.5) < 0.002, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.23986) < 0.002, `std ${std}`);
  const bytes = noiseSet('gaussian', [32, 32, 3], 20, 7).images;
  assert.ok(bytes.includes(0) && bytes.includes(255), 'clipped values reach both ends');
});

test('uniform noise: U[0, 1] has mean 0.5 and std 1 / sqrt(12) = 0.2887', () => {
  const { mean, std } = meanAndStd(noiseSet('uniform', [32, 32, 3], 100, 7).images);
  assert.ok(Math.abs(mean - 0.5) < 0.002, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.2887) < 0.002, `std ${std}`);
});
