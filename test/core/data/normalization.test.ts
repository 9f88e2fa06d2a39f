import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createImageSet } from '../../../src/core/data/imageSet';
import { computeNormalization } from '../../../src/core/data/normalization';

test('per-channel mean and std on the [0, 1] scale, worked out by hand', () => {
  // Two 1x2 RGB images. Red: 0, 255, 255, 255 -> mean 191.25, std sqrt(mean of squares - mean^2)
  //   = sqrt(48768.75 - 36576.5625) = sqrt(12192.1875) = 110.4182 -> /255: 0.75, 0.433013.
  // Green: 51 everywhere -> 0.2, std 0 (kept as 1, so a constant channel is not divided by 0).
  // Blue: 0, 102, 0, 102 -> mean 51 (0.2), std 51 (0.2).
  const images = Uint8Array.from([0, 51, 0, 255, 51, 102, 255, 51, 0, 255, 51, 102]);
  const set = createImageSet({ name: 'hand', images, labels: new Int32Array(2), height: 1, width: 2, channels: 3 });
  const norm = computeNormalization(set);
  assert.ok(Math.abs(norm.mean[0] - 0.75) < 1e-12);
  assert.ok(Math.abs(norm.std[0] - 0.4330127) < 1e-6);
  assert.ok(Math.abs(norm.mean[1] - 0.2) < 1e-12);
  assert.equal(norm.std[1], 1);
  assert.ok(Math.abs(norm.mean[2] - 0.2) < 1e-12);
  assert.ok(Math.abs(norm.std[2] - 0.2) < 1e-12);
});
