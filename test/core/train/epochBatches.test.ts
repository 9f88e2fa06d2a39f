/**
 * --augment on an image folder of real CIFAR-10 images (the ONNX fixture's 32x32 PNGs): the
 * batches the trainer feeds are the folder's images cropped and flipped as the paper's recipe says,
 * checked against crops and flips written out here, not through the engine's augmentImage.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { initBackend } from '../../../src/core/backend';
import { loadDataset, toTensor } from '../../../src/core/data';
import { NO_AUGMENTATION, CIFAR_AUGMENTATION, resolveAugmentation } from '../../../src/core/data/augmentation';
import type { ImageSet, LabeledDataset } from '../../../src/core/data/types';
import { configFromArgs } from '../../../src/cli/sharedOptions';
import { UserInputError } from '../../../src/core/errors';
import { DEFAULT_TRAIN_CONFIG, validateTrainConfig } from '../../../src/core/train/config';
import { epochBatches, runAugmentation } from '../../../src/core/train/epochBatches';

const FOLDER = path.join(__dirname, '..', '..', 'fixtures', 'onnx', 'cifar10-small', 'id');
let dataset: LabeledDataset;

before(async () => {
  await initBackend('cpu');
  dataset = await loadDataset(FOLDER);
});

/**
 * Image `index` of `set` padded with `padding` zero pixels on every side, cropped back to its size
 * with its top-left corner at (top, left) of the padded image, then mirrored left-right if `flip`,
 * and normalised: out(y, x) = source(y + top - padding, x' + left - padding), x' = W - 1 - x when
 * flipped, zero bytes outside the source.
 */
function cropFlipByHand(set: ImageSet, index: number, padding: number, top: number, left: number, flip: boolean): Float32Array {
  const { height: h, width: w, channels: ch } = set;
  const { mean, std } = dataset.normalization;
  const out = new Float32Array(h * w * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = (flip ? w - 1 - x : x) + left - padding;
      const sy = y + top - padding;
      for (let c = 0; c < ch; c++) {
        const byte = sy >= 0 && sy < h && sx >= 0 && sx < w ? set.images[((index * h + sy) * w + sx) * ch + c] : 0;
        out[(y * w + x) * ch + c] = (byte / 255 - mean[c]) / std[c];
      }
    }
  }
  return out;
}

function equal(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
}

test('--augment: auto, none and crop-flip; --no-augment is none; run.json booleans of older runs still read', () => {
  assert.equal(configFromArgs({}).augment, 'auto');
  assert.equal(configFromArgs({ augment: 'crop-flip' }).augment, 'crop-flip');
  assert.equal(configFromArgs({ 'no-augment': true }).augment, 'none');
  assert.equal(configFromArgs({ 'no-augment': true, augment: 'none' }).augment, 'none');
  assert.throws(() => configFromArgs({ augment: 'flip' }), (e: unknown) => e instanceof UserInputError && /--augment expects one of auto, none, crop-flip, got 'flip'/.test(e.message));
  assert.throws(() => configFromArgs({ augment: 'crop-flip', 'no-augment': true }), (e: unknown) => e instanceof UserInputError && /contradict/.test(e.message));
  // An image folder's default is none; CIFAR's binary batches' is crop 4 + flip.
  assert.deepEqual(dataset.augmentation, NO_AUGMENTATION);
  assert.deepEqual(resolveAugmentation('auto', CIFAR_AUGMENTATION), CIFAR_AUGMENTATION);
  assert.deepEqual(resolveAugmentation('crop-flip', NO_AUGMENTATION), CIFAR_AUGMENTATION);
  assert.deepEqual(resolveAugmentation('none', CIFAR_AUGMENTATION), NO_AUGMENTATION);
  // run.json before --augment: true meant the data set's default, false none; a file without it reads as auto.
  assert.deepEqual(resolveAugmentation(true, CIFAR_AUGMENTATION), CIFAR_AUGMENTATION);
  assert.deepEqual(resolveAugmentation(false, CIFAR_AUGMENTATION), NO_AUGMENTATION);
  assert.deepEqual(resolveAugmentation(undefined, CIFAR_AUGMENTATION), CIFAR_AUGMENTATION);
  for (const augment of [true, false, undefined]) validateTrainConfig({ ...DEFAULT_TRAIN_CONFIG, augment } as never);
  assert.throws(() => validateTrainConfig({ ...DEFAULT_TRAIN_CONFIG, augment: 'mirror' } as never), /augment must be one of/);
  assert.match(runAugmentation({ augment: 'auto' }, dataset).summary, /augmentation: none \(auto: .*'s default\)/);
});

test('on an image folder, auto trains on the images as they are; crop-flip on crops and mirrors of them, as worked out by hand', () => {
  const train = dataset.train;
  assert.equal(train.count, 120);
  const batchSize = 8;
  const config = { seed: 5, batchSize };
  const plain = epochBatches(config, train, dataset, runAugmentation({ augment: 'auto' }, dataset).augmentation, 0);
  const cropped = epochBatches(config, train, dataset, runAugmentation({ augment: 'crop-flip' }, dataset).augmentation, 0);
  assert.equal(cropped.stepsPerEpoch, 15);
  const pixels = train.height * train.width * train.channels;
  let flips = 0;
  let identities = 0;
  const offsets = new Set<string>();
  for (let step = 0; step < cropped.stepsPerEpoch; step++) {
    const indices = Array.from(cropped.indices(step));
    // The same shuffle whatever the augmentation: the augmentation draws come after it.
    assert.deepEqual(indices, Array.from(plain.indices(step)));
    const plainX = plain.images(step);
    const croppedX = cropped.images(step);
    const asIs = toTensor(train, indices, dataset.normalization);
    assert.ok(equal(plainX.dataSync() as Float32Array, asIs.dataSync() as Float32Array), `step ${step}: auto on a folder is no augmentation`);
    const got = croppedX.dataSync() as Float32Array;
    indices.forEach((index, i) => {
      const image = got.subarray(i * pixels, (i + 1) * pixels);
      // Every crop offset in 0..8 (padding 4) and both flips: which of the 162 does the batch hold?
      const matches: { top: number; left: number; flip: boolean }[] = [];
      for (let top = 0; top <= 8; top++) {
        for (let left = 0; left <= 8; left++) {
          for (const flip of [false, true]) if (equal(image, cropFlipByHand(train, index, 4, top, left, flip))) matches.push({ top, left, flip });
        }
      }
      assert.equal(matches.length, 1, `step ${step}, image ${index}: ${matches.length} crops/flips match`);
      const [m] = matches;
      if (m.flip) flips++;
      if (m.top === 4 && m.left === 4 && !m.flip) identities++;
      offsets.add(`${m.top},${m.left}`);
    });
    for (const t of [plainX, croppedX, asIs]) t.dispose();
  }
  // 120 images: flips ~ Binomial(120, 1/2), 60 +- 5.5 (35..85 is beyond 4 sd); the image as it is
  // (offset 4,4 and no flip) has probability 1/162, so expected 0.74; offsets spread over many of the 81.
  assert.ok(flips >= 35 && flips <= 85, `${flips} flips of 120`);
  assert.ok(identities <= 5, `${identities} images left as they are`);
  assert.ok(offsets.size >= 40, `${offsets.size} distinct offsets`);
});
