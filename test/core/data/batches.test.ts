import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { augmentImage, drawAugmentation } from '../../../src/core/data/augmentation';
import { labelsTensor, limitSet, shuffledIndices, splitValidation, toTensor } from '../../../src/core/data/batches';
import { createImageSet } from '../../../src/core/data/imageSet';
import { createRng, type Rng } from '../../../src/core/data/rng';
import type { ImageSet } from '../../../src/core/data/types';

before(async () => {
  await tf.setBackend('cpu');
});

/** An Rng that replays scripted draws: int(n) takes the next of `ints`, next() the next of `floats`. */
function scriptedRng(ints: number[], floats: number[]): Rng {
  return {
    int: (n) => {
      const v = ints.shift();
      assert.ok(v !== undefined && v < n);
      return v;
    },
    next: () => floats.shift() ?? assert.fail('no more scripted floats'),
    normal: () => assert.fail('not used'),
    nextUint32: () => assert.fail('not used'),
  };
}

// A 2x3 gray image, values 1..6:  [1 2 3]
//                                  [4 5 6]
const tiny = Uint8Array.from([1, 2, 3, 4, 5, 6]);

test('crop with zero padding, by hand', () => {
  const out = new Uint8Array(6);
  // Padding 1: the padded image is 4x5; offset (top 0, left 2) = shift (-1 row, +1 column):
  // output (y, x) = source (y - 1, x + 1) -> [0 0 0] / [2 3 0].
  augmentImage(tiny, out, 2, 3, 1, 1, { top: 0, left: 2, flip: false });
  assert.deepEqual(Array.from(out), [0, 0, 0, 2, 3, 0]);
  // Offset (1, 1) is the identity.
  augmentImage(tiny, out, 2, 3, 1, 1, { top: 1, left: 1, flip: false });
  assert.deepEqual(Array.from(out), [1, 2, 3, 4, 5, 6]);
});

test('horizontal flip, and crop then flip, by hand (RGB keeps channel order)', () => {
  const out = new Uint8Array(6);
  augmentImage(tiny, out, 2, 3, 1, 0, { top: 0, left: 0, flip: true });
  assert.deepEqual(Array.from(out), [3, 2, 1, 6, 5, 4]);
  // crop as above ([0 0 0] / [2 3 0]), then mirrored: [0 0 0] / [0 3 2]
  augmentImage(tiny, out, 2, 3, 1, 1, { top: 0, left: 2, flip: true });
  assert.deepEqual(Array.from(out), [0, 0, 0, 0, 3, 2]);
  const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6]); // a 1x2 RGB image
  const rgbOut = new Uint8Array(6);
  augmentImage(rgb, rgbOut, 1, 2, 3, 0, { top: 0, left: 0, flip: true });
  assert.deepEqual(Array.from(rgbOut), [4, 5, 6, 1, 2, 3]);
});

test('draws: crop offsets in [0, 2p], flip with probability 1/2', () => {
  const rng = createRng(3);
  let flips = 0;
  for (let i = 0; i < 10_000; i++) {
    const draw = drawAugmentation({ cropPadding: 4, horizontalFlip: true }, rng);
    assert.ok(draw.top >= 0 && draw.top <= 8 && draw.left >= 0 && draw.left <= 8);
    if (draw.flip) flips++;
  }
  assert.ok(Math.abs(flips - 5000) < 250);
  assert.deepEqual(drawAugmentation({ cropPadding: 0, horizontalFlip: false }, rng), { top: 0, left: 0, flip: false });
});

function grayTinySet(): ImageSet {
  // Image 0 = tiny, image 1 = 255 - tiny.
  const images = new Uint8Array(12);
  images.set(tiny);
  images.set(tiny.map((v) => 255 - v), 6);
  return createImageSet({ name: 'tiny', images, labels: Int32Array.from([3, 8]), height: 2, width: 3, channels: 1 });
}

test('toTensor: NHWC float32, (byte / 255 - mean) / std, in the order of the indices', () => {
  const before = tf.memory().numTensors;
  const set = grayTinySet();
  const tensor = toTensor(set, [1, 0], { mean: [0.5], std: [0.25] });
  assert.deepEqual(tensor.shape, [2, 2, 3, 1]);
  assert.equal(tensor.dtype, 'float32');
  const values = tensor.dataSync();
  // Image 1 pixel 0 is 254: (254 / 255 - 0.5) / 0.25 = 1.984314; image 0 pixel 5 is 6: (6/255 - 0.5) / 0.25 = -1.905882
  assert.ok(Math.abs(values[0] - 1.9843137) < 1e-5);
  assert.ok(Math.abs(values[11] - -1.9058824) < 1e-5);
  const labels = labelsTensor(set, [1, 0, 1]);
  assert.equal(labels.dtype, 'int32');
  assert.deepEqual(Array.from(labels.dataSync()), [8, 3, 8]);
  tf.dispose([tensor, labels]);
  assert.equal(tf.memory().numTensors, before);
});

test('toTensor: per-channel normalisation and augmentation with scripted draws', () => {
  // 1x2 RGB: pixel A = (255, 0, 51), pixel B = (0, 255, 102)
  const set = createImageSet({ name: 'rgb', images: Uint8Array.from([255, 0, 51, 0, 255, 102]), labels: Int32Array.from([0]), height: 1, width: 2, channels: 3 });
  const norm = { mean: [0, 1, 0.2], std: [1, 0.5, 0.2] };
  // No augmentation: A -> (1, -2, 0), B -> (0, 0, 1)
  const plain = toTensor(set, [0], norm);
  assert.deepEqual(Array.from(plain.dataSync()).map((v) => Math.round(v * 1e6) / 1e6), [1, -2, 0, 0, 0, 1]);
  // Padding 1, draws top 1 (no vertical shift), left 0 (shift right: [pad, A]), flip (next() = 0.1 < 0.5): [A, pad].
  // The zero pad normalises to (0 - 0)/1, (0 - 1)/0.5, (0 - 0.2)/0.2 = (0, -2, -1).
  const augmented = toTensor(set, [0], norm, { aug: { cropPadding: 1, horizontalFlip: true }, rng: scriptedRng([1, 0], [0.1]) });
  assert.deepEqual(Array.from(augmented.dataSync()).map((v) => Math.round(v * 1e6) / 1e6), [1, -2, 0, 0, -2, -1]);
  tf.dispose([plain, augmented]);
});

test('splitValidation: deterministic, disjoint, covers the set; limitSet: seeded subset', () => {
  const count = 100;
  const images = Uint8Array.from({ length: count }, (_, i) => i);
  const set = createImageSet({ name: 'ids', images, labels: Int32Array.from({ length: count }, (_, i) => i % 10), height: 1, width: 1, channels: 1 });
  const { train, val } = splitValidation(set, 0.1, 9);
  assert.equal(val.count, 10);
  assert.equal(train.count, 90);
  const all = [...train.images, ...val.images].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: count }, (_, i) => i));
  assert.deepEqual(splitValidation(set, 0.1, 9).val.images, val.images);
  assert.notDeepEqual(splitValidation(set, 0.1, 10).val.images, val.images);
  // Labels travel with their images.
  for (let i = 0; i < val.count; i++) assert.equal(val.labels[i], val.images[i] % 10);
  assert.throws(() => splitValidation(set, 1.5, 0), /validation fraction 1\.5/);

  const limited = limitSet(set, 7, 1);
  assert.equal(limited.count, 7);
  assert.deepEqual(limited.images, limitSet(set, 7, 1).images);
  assert.equal(limitSet(set, 1000, 1), set);
  assert.throws(() => limitSet(set, 0, 1), /limit 0/);
  assert.equal(shuffledIndices(5, createRng(1)).length, 5);
});
