import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { loadOodSet } from '../../../src/core/data/oodSets';

const root = mkdtempSync(join(tmpdir(), 'ood-sets-test-'));
const cacheDir = join(root, 'cache');
after(() => rmSync(root, { recursive: true, force: true }));

test('noise at exactly the requested shape and count, seeded', async () => {
  const a = await loadOodSet('gaussian', { shape: [32, 32, 3], count: 5, seed: 4 });
  const b = await loadOodSet('gaussian', { shape: [32, 32, 3], count: 5, seed: 4 });
  assert.deepEqual([a.count, a.height, a.width, a.channels], [5, 32, 32, 3]);
  assert.deepEqual(a.images, b.images);
  const u = await loadOodSet('uniform', { shape: [28, 28, 1], count: 3, seed: 4 });
  assert.deepEqual([u.count, u.height, u.width, u.channels], [3, 28, 28, 1]);
});

test("a named data set's test split, capped at count, unlabelled", async () => {
  const mnist = await loadOodSet('mnist', { shape: [28, 28, 1], count: 100, seed: 1, cacheDir, offline: true });
  assert.equal(mnist.count, 100);
  assert.equal(mnist.name, 'mnist');
  assert.ok(mnist.labels.every((l) => l === -1));
  const again = await loadOodSet('mnist', { shape: [28, 28, 1], count: 100, seed: 1, cacheDir, offline: true });
  assert.deepEqual(mnist.images, again.images);
});

test('a data set of another shape is brought to it: MNIST at 32x32x3 for a CIFAR model (gray over RGB, bilinear)', async () => {
  const logs: string[] = [];
  const source = await loadOodSet('mnist', { shape: [28, 28, 1], count: 10, seed: 1, cacheDir, offline: true });
  const fitted = await loadOodSet('mnist', { shape: [32, 32, 3], count: 10, seed: 1, cacheDir, offline: true, log: (m) => logs.push(m) });
  assert.deepEqual([fitted.count, fitted.height, fitted.width, fitted.channels], [10, 32, 32, 3]);
  assert.equal(fitted.name, 'mnist');
  assert.ok(fitted.labels.every((l) => l === -1));
  assert.ok(logs.some((m) => m.includes('from 28x28x1 to 32x32x3')), logs.join('\n'));
  // Worked out by hand for 28 -> 32 with half-pixel centres: output row/column y samples source
  // y' = (y + 0.5) * 28 / 32 - 0.5 = 0.875 y - 0.0625, clamped to [0, 27]. Row 0 -> 0, row 31 ->
  // 27 (clamped): the corners are the source's. Row 16 -> 13.9375: 0.0625 of row 13, 0.9375 of row 14.
  const src = (image: number, y: number, x: number) => source.images[image * 784 + y * 28 + x];
  const out = (image: number, y: number, x: number, c: number) => fitted.images[image * 3072 + (y * 32 + x) * 3 + c];
  for (let image = 0; image < 10; image++) {
    for (let c = 0; c < 3; c++) {
      assert.equal(out(image, 0, 0, c), src(image, 0, 0));
      assert.equal(out(image, 31, 31, c), src(image, 27, 27));
      const lerp = (a: number, b: number, w: number) => a + (b - a) * w;
      const top = lerp(src(image, 13, 13), src(image, 13, 14), 0.9375);
      const bottom = lerp(src(image, 14, 13), src(image, 14, 14), 0.9375);
      assert.equal(out(image, 16, 16, c), Math.round(lerp(top, bottom, 0.9375)), `image ${image}, pixel (16, 16), channel ${c}`);
    }
    // the gray value repeated on the three channels of every pixel
    for (let p = 0; p < 1024; p++) {
      const [y, x] = [Math.floor(p / 32), p % 32];
      assert.ok(out(image, y, x, 0) === out(image, y, x, 1) && out(image, y, x, 0) === out(image, y, x, 2), `image ${image}, pixel (${y}, ${x})`);
    }
  }
  // Upscaling keeps the mean brightness (within 2%: edge clamping and rounding).
  const brightness = (set: typeof source, pixels: number) => set.images.subarray(0, 10 * pixels).reduce((a, v) => a + v, 0) / (10 * pixels);
  assert.ok(Math.abs(brightness(fitted, 3072) - brightness(source, 784)) < 0.02 * brightness(source, 784), `mean brightness ${brightness(fitted, 3072)} vs ${brightness(source, 784)}`);
});

test('a folder path is read as images resized to the shape; an unknown name lists the known ones', async () => {
  const folder = join(root, 'my-ood');
  mkdirSync(folder);
  const png = new PNG({ width: 64, height: 64 });
  png.data.fill(200);
  writeFileSync(join(folder, 'a.png'), PNG.sync.write(png));
  writeFileSync(join(folder, 'b.png'), PNG.sync.write(png));
  const set = await loadOodSet(folder, { shape: [28, 28, 1], count: 1, seed: 0 });
  assert.deepEqual([set.count, set.height, set.width, set.channels], [1, 28, 28, 1]);
  assert.ok(set.images.every((v) => v === 200));
  await assert.rejects(loadOodSet('svhn', { shape: [32, 32, 3], count: 1, seed: 0 }), /unknown OOD set 'svhn': expected one of gaussian, uniform, mnist, fashion-mnist, cifar10, cifar100, or a folder/);
});
