import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { isUserInputError } from '../../../src/core/errors';
import { decodeImageFile } from '../../../src/core/data/imageDecode';
import { loadImageFolder, loadUnlabeledImageFolder } from '../../../src/core/data/imageFolder';
import { loadDataset } from '../../../src/core/data/registry';

const root = mkdtempSync(join(tmpdir(), 'image-folder-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Writes an RGBA image as PNG (pngjs encoder). */
function writePng(path: string, width: number, height: number, rgba: (x: number, y: number) => [number, number, number, number]): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) png.data.set(rgba(x, y), (y * width + x) * 4);
  }
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, PNG.sync.write(png));
}

/** Writes an RGB image as JPEG (jpeg-js encoder, quality 100). */
function writeJpeg(path: string, width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): void {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([...rgb(x, y), 255], (y * width + x) * 4);
  }
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, jpeg.encode({ width, height, data }, 100).data);
}

const gray2x2 = [0, 100, 200, 255];

test('PNG and JPEG decode to the bytes their encoders were given', () => {
  writePng(join(root, 'decode', 'a.png'), 2, 2, (x, y) => [gray2x2[y * 2 + x], gray2x2[y * 2 + x], gray2x2[y * 2 + x], 255]);
  const png = decodeImageFile(join(root, 'decode', 'a.png'));
  assert.deepEqual([png.width, png.height, png.isGray], [2, 2, true]);
  assert.deepEqual(Array.from(png.rgba), [0, 0, 0, 255, 100, 100, 100, 255, 200, 200, 200, 255, 255, 255, 255, 255]);

  writeJpeg(join(root, 'decode', 'b.jpg'), 16, 16, () => [200, 40, 90]);
  const jpg = decodeImageFile(join(root, 'decode', 'b.jpg'));
  assert.deepEqual([jpg.width, jpg.height, jpg.isGray], [16, 16, false]);
  // JPEG is lossy (YCbCr rounding): a flat colour comes back within a few levels.
  for (let p = 0; p < 256; p++) {
    assert.ok(Math.abs(jpg.rgba[4 * p] - 200) <= 3 && Math.abs(jpg.rgba[4 * p + 1] - 40) <= 3 && Math.abs(jpg.rgba[4 * p + 2] - 90) <= 3);
  }
});

test('an image folder: classes by sub-folder, resized (bilinear) and converted, split per class', async () => {
  const folder = join(root, 'shapes');
  // class "dark": 5 gray 2x2 PNGs [[0, 100], [200, 255]]; class "light": 5 flat 4x4 JPEGs, and a README.
  for (let i = 0; i < 5; i++) {
    writePng(join(folder, 'dark', `img${i}.png`), 2, 2, (x, y) => {
      const v = gray2x2[y * 2 + x];
      return [v, v, v, 255];
    });
    writeJpeg(join(folder, 'light', `img${i}.jpeg`), 4, 4, () => [250, 250, 250]);
  }
  writeFileSync(join(folder, 'light', 'README.txt'), 'not an image');
  const log: string[] = [];
  const dataset = await loadImageFolder(folder, { shape: [4, 4, 1], log: (m) => log.push(m) });
  assert.deepEqual(dataset.classNames, ['dark', 'light']);
  assert.equal(dataset.train.count, 8, 'round(5 * 0.2) = 1 test image a class');
  assert.equal(dataset.test.count, 2);
  assert.deepEqual(Array.from(dataset.test.labels), [0, 1]);
  assert.ok(log.some((m) => m.includes('ignored 1 files')), log.join('\n'));
  // The 2x2 gray image upscaled to 4x4, as worked out by hand in resize.test.ts.
  assert.deepEqual(Array.from(dataset.train.images.subarray(0, 16)), [0, 25, 75, 100, 50, 72, 117, 139, 150, 167, 200, 216, 200, 214, 241, 255]);
  // Normalisation from the training images: 4 dark images (mean of the 16 values above) + 4 light.
  let darkSum = 0;
  for (const v of dataset.train.images.subarray(0, 16)) darkSum += v;
  const lightImages = dataset.train.images.subarray(4 * 16);
  let lightSum = 0;
  for (const v of lightImages) lightSum += v;
  assert.ok(Math.abs(dataset.normalization.mean[0] - (4 * darkSum + lightSum) / (8 * 16) / 255) < 1e-9);
  // The same split every time.
  const again = await loadImageFolder(folder, { shape: [4, 4, 1] });
  assert.deepEqual(again.test.images, dataset.test.images);

  // To RGB at 2x2: the gray PNG at its own size keeps its values in every channel.
  const rgb = await loadImageFolder(folder, { shape: [2, 2, 3] });
  assert.deepEqual(Array.from(rgb.train.images.subarray(0, 12)), [0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);
});

test('train/ and test/ sub-folders are used as given; the default shape is the first image', async () => {
  const folder = join(root, 'given');
  for (const split of ['train', 'test']) {
    for (const cls of ['cat', 'dog']) {
      writePng(join(folder, split, cls, '1.png'), 3, 2, () => [cls === 'cat' ? 30 : 60, 0, 0, 255]);
    }
  }
  writePng(join(folder, 'train', 'dog', '2.png'), 3, 2, () => [60, 0, 0, 255]);
  const dataset = await loadDataset(folder, {});
  assert.deepEqual(dataset.classNames, ['cat', 'dog']);
  assert.deepEqual(Array.from(dataset.train.labels), [0, 1, 1]);
  assert.deepEqual(Array.from(dataset.test.labels), [0, 1]);
  assert.deepEqual([dataset.train.height, dataset.train.width, dataset.train.channels], [2, 3, 3]);
});

test('a file that does not decode is a UserInputError naming it', async () => {
  for (const bad of ['fake.png', 'cut.jpg']) {
    const single = join(root, `broken-${bad}`);
    writePng(join(single, 'a', 'ok.png'), 2, 2, () => [1, 2, 3, 255]);
    mkdirSync(join(single, 'b'), { recursive: true });
    writeFileSync(join(single, 'b', bad), bad === 'fake.png' ? 'this is text' : Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
    await assert.rejects(loadImageFolder(single, { shape: [2, 2, 3], testFraction: 0 }), (e: unknown) => {
      assert.ok(isUserInputError(e), String(e));
      assert.ok((e as Error).message.includes(join(single, 'b', bad)), (e as Error).message);
      return true;
    });
  }
  await assert.rejects(loadImageFolder(join(root, 'no-such-folder')), /is not a folder/);
  mkdirSync(join(root, 'empty'));
  await assert.rejects(loadImageFolder(join(root, 'empty')), /no class sub-folders/);
});

test('an unlabelled folder (OOD) takes every image at any depth, or a seeded sample of them', () => {
  const folder = join(root, 'textures');
  for (let i = 0; i < 6; i++) writePng(join(folder, i % 2 === 0 ? 'x' : 'y/z', `${i}.png`), 8, 8, () => [i * 10, i * 10, i * 10, 255]);
  const all = loadUnlabeledImageFolder(folder, [4, 4, 1]);
  assert.equal(all.count, 6);
  assert.ok(all.labels.every((l) => l === -1));
  const some = loadUnlabeledImageFolder(folder, [4, 4, 1], { count: 3, seed: 1 });
  assert.equal(some.count, 3);
  assert.deepEqual(some.images, loadUnlabeledImageFolder(folder, [4, 4, 1], { count: 3, seed: 1 }).images);
});
