import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PNG } from 'pngjs';
import { isUserInputError } from '../../../src/core/errors';
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

test('a data set of another shape is a UserInputError naming the set, its shape and the expected one', async () => {
  await assert.rejects(loadOodSet('mnist', { shape: [32, 32, 3], count: 10, seed: 1, cacheDir, offline: true }), (e: unknown) => {
    assert.ok(isUserInputError(e));
    assert.match((e as Error).message, /'mnist' has images of shape 28x28x1 \(HxWxC\), expected 32x32x3/);
    return true;
  });
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
