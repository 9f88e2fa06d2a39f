import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertChannels, resizeBilinear } from '../../../src/core/data/resize';

test('bilinear upscale 2x2 -> 4x4 matches the hand computation (half-pixel centres)', () => {
  // Source [[0, 100], [200, 255]]. Output row/column y samples source y' = (y + 0.5) / 2 - 0.5,
  // clamped: -0.25 -> 0, 0.25, 0.75, 1.25 -> 1, so the weights of the second row/column are
  // 0, 0.25, 0.75, 1.
  // Row 0: 0, 25, 75, 100.  Row 3: 200, 213.75, 241.25, 255.
  // Row 1 = row 0 + 0.25 (row 3 - row 0): 50, 72.1875, 116.5625, 138.75
  // Row 2 = row 0 + 0.75 (row 3 - row 0): 150, 166.5625, 199.6875, 216.25
  const out = resizeBilinear(Uint8Array.from([0, 100, 200, 255]), 2, 2, 1, 4, 4);
  assert.deepEqual(Array.from(out), [
    0, 25, 75, 100,
    50, 72, 117, 139,
    150, 167, 200, 216,
    200, 214, 241, 255,
  ]);
});

test('bilinear downscale 3x3 -> 2x2 (below 2x, no box filter)', () => {
  // Source rows [0 30 60] [90 120 150] [180 210 240]; y' = (y + 0.5) * 1.5 - 0.5 = 0.25, 1.75.
  // The source is linear, value = 30 x' + 90 y', so bilinear sampling gives it exactly:
  // (x', y') = (0.25, 0.25) -> 30, (1.75, 0.25) -> 75, (0.25, 1.75) -> 165, (1.75, 1.75) -> 210.
  const source = Uint8Array.from([0, 30, 60, 90, 120, 150, 180, 210, 240]);
  assert.deepEqual(Array.from(resizeBilinear(source, 3, 3, 1, 2, 2)), [30, 75, 165, 210]);
});

test('2x downscale averages 2x2 blocks first; channels stay apart', () => {
  // 4x4 RGB: red = 10 * (index of the pixel), green = 7, blue = 255 - red.
  const source = new Uint8Array(16 * 3);
  for (let p = 0; p < 16; p++) {
    source[3 * p] = 10 * p;
    source[3 * p + 1] = 7;
    source[3 * p + 2] = 255 - 10 * p;
  }
  // Top-left block: pixels 0, 1, 4, 5 -> red mean 25, blue mean 230. Top-right: 2, 3, 6, 7 -> 45, 210.
  // Bottom-left: 8, 9, 12, 13 -> 105, 150. Bottom-right: 10, 11, 14, 15 -> 125, 130.
  assert.deepEqual(Array.from(resizeBilinear(source, 4, 4, 3, 2, 2)), [25, 7, 230, 45, 7, 210, 105, 7, 150, 125, 7, 130]);
});

test('gray <-> RGB: ITU-R 601 luma, repeated gray, alpha dropped', () => {
  // 0.299 * 10 + 0.587 * 20 + 0.114 * 30 = 18.15 -> 18; 0.299 * 255 + 0.587 * 0 + 0.114 * 0 = 76.2 -> 76
  assert.deepEqual(Array.from(convertChannels(Uint8Array.from([10, 20, 30, 255, 0, 0]), 2, 3, 1)), [18, 76]);
  assert.deepEqual(Array.from(convertChannels(Uint8Array.from([10, 20, 30, 99]), 1, 4, 3)), [10, 20, 30]);
  assert.deepEqual(Array.from(convertChannels(Uint8Array.from([5, 200]), 2, 1, 3)), [5, 5, 5, 200, 200, 200]);
});
