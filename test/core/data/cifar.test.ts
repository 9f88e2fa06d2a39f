import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isUserInputError } from '../../../src/core/errors';
import { CIFAR100_CLASS_NAMES } from '../../../src/core/data/cifar';
import { loadDataset } from '../../../src/core/data/registry';

const root = mkdtempSync(join(tmpdir(), 'cifar-test-'));
const emptyCache = join(root, 'no-cache');
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * One record in the official layout: label byte(s), then 1024 red, 1024 green, 1024 blue bytes,
 * each plane row-major 32x32. Pixel (y, x) gets red = (y + x + seed) % 256, green = y, blue = x ^ seed.
 */
function record(labelBytes: number[], seed: number): Uint8Array {
  const bytes = new Uint8Array(labelBytes.length + 3072);
  bytes.set(labelBytes);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const p = labelBytes.length + y * 32 + x;
      bytes[p] = (y + x + seed) % 256;
      bytes[p + 1024] = y;
      bytes[p + 2048] = (x ^ seed) & 0xff;
    }
  }
  return bytes;
}

function batch(records: Uint8Array[]): Buffer {
  return Buffer.concat(records);
}

function writeCifar10(folder: string): void {
  mkdirSync(folder, { recursive: true });
  for (let b = 1; b <= 5; b++) writeFileSync(join(folder, `data_batch_${b}.bin`), batch([record([b], b), record([9], 100 + b)]));
  writeFileSync(join(folder, 'test_batch.bin'), batch([record([3], 50), record([0], 51), record([7], 52)]));
}

test('CIFAR-10 from synthetic batches: counts, labels, planar -> HWC, given as the parent or the folder itself', async () => {
  const parent = join(root, 'data');
  const folder = join(parent, 'cifar-10-batches-bin');
  writeCifar10(folder);
  for (const dataDir of [parent, folder]) {
    const cifar = await loadDataset('cifar10', { dataDir, cacheDir: emptyCache });
    assert.equal(cifar.train.count, 10);
    assert.equal(cifar.test.count, 3);
    assert.deepEqual([cifar.train.height, cifar.train.width, cifar.train.channels], [32, 32, 3]);
    assert.deepEqual(Array.from(cifar.train.labels), [1, 9, 2, 9, 3, 9, 4, 9, 5, 9]);
    assert.deepEqual(Array.from(cifar.test.labels), [3, 0, 7]);
    // Test image 1 (seed 51), pixel (y=2, x=5): red (2 + 5 + 51) = 58, green 2, blue 5 ^ 51 = 54.
    const offset = 1 * 3072 + (2 * 32 + 5) * 3;
    assert.deepEqual(Array.from(cifar.test.images.subarray(offset, offset + 3)), [58, 2, 54]);
    assert.equal(cifar.classNames[0], 'airplane');
    assert.deepEqual(cifar.augmentation, { cropPadding: 4, horizontalFlip: true });
    assert.equal(cifar.normalization.mean.length, 3);
  }
});

test('CIFAR-100 uses the fine label (the second byte)', async () => {
  const folder = join(root, 'c100', 'cifar-100-binary');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'train.bin'), batch([record([4, 72], 1), record([19, 99], 2)]));
  writeFileSync(join(folder, 'test.bin'), batch([record([0, 30], 3)]));
  const cifar = await loadDataset('cifar100', { dataDir: join(root, 'c100'), cacheDir: emptyCache });
  assert.deepEqual(Array.from(cifar.train.labels), [72, 99]);
  assert.deepEqual(Array.from(cifar.test.labels), [30]);
  assert.equal(cifar.numClasses, 100);
  assert.equal(CIFAR100_CLASS_NAMES.length, 100);
  assert.equal(new Set(CIFAR100_CLASS_NAMES).size, 100);
  assert.deepEqual(CIFAR100_CLASS_NAMES, [...CIFAR100_CLASS_NAMES].sort(), 'the official fine names are in alphabetical order');
});

test('a missing folder, a truncated batch, a bad label: UserInputErrors naming the input', async () => {
  await assert.rejects(loadDataset('cifar10', { dataDir: join(root, 'nothing-here'), cacheDir: emptyCache }), (e: unknown) => {
    assert.ok(isUserInputError(e));
    assert.match((e as Error).message, /cifar-10-batches-bin/);
    assert.ok((e as Error).message.includes(join(root, 'nothing-here')));
    return true;
  });
  await assert.rejects(loadDataset('cifar10', { cacheDir: emptyCache }), /set the data folder/);

  const folder = join(root, 'broken', 'cifar-10-batches-bin');
  writeCifar10(folder);
  writeFileSync(join(folder, 'data_batch_3.bin'), record([1], 1).subarray(0, 3000));
  await assert.rejects(loadDataset('cifar10', { dataDir: join(root, 'broken'), cacheDir: emptyCache }), (e: unknown) => {
    assert.ok(isUserInputError(e));
    assert.ok((e as Error).message.includes(join(folder, 'data_batch_3.bin')));
    assert.match((e as Error).message, /3000 bytes is not a whole number of 3073-byte records/);
    return true;
  });
  writeFileSync(join(folder, 'data_batch_3.bin'), record([10], 1));
  await assert.rejects(loadDataset('cifar10', { dataDir: join(root, 'broken'), cacheDir: emptyCache }), /data_batch_3\.bin: record 0 has label 10, expected 0\.\.9/);
});
