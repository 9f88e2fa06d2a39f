import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isUserInputError } from '../../../src/core/errors';
import { encodeUbyteIdx, parseIdx, readIdxFile, readUbyteIdxFile } from '../../../src/core/data/idx';

// 2 images of 2x3 ubyte, written by hand: magic 00 00 08 03, dims 2, 2, 3 big-endian.
const TWO_IMAGES = Uint8Array.from([
  0, 0, 0x08, 3,
  0, 0, 0, 2,
  0, 0, 0, 2,
  0, 0, 0, 3,
  1, 2, 3, 4, 5, 6,
  7, 8, 9, 10, 11, 255,
]);

function expectUserInputError(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isUserInputError(e), `expected a UserInputError, got ${String(e)}`);
    for (const fragment of fragments) assert.ok((e as Error).message.includes(fragment), `'${(e as Error).message}' lacks '${fragment}'`);
    return true;
  });
}

test('parses hand-written ubyte bytes', () => {
  const idx = parseIdx(TWO_IMAGES, 'two.idx');
  assert.deepEqual(idx.dims, [2, 2, 3]);
  assert.equal(idx.typeCode, 0x08);
  assert.deepEqual(Array.from(idx.data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255]);
});

test('parses big-endian int32 and float32 elements', () => {
  const int32 = Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xfe]);
  assert.deepEqual(Array.from(parseIdx(int32, 'i').data), [256, -2]);
  // 1.5f = 0x3fc00000
  const float32 = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
  assert.deepEqual(Array.from(parseIdx(float32, 'f').data), [1.5]);
});

test('encodeUbyteIdx writes the same bytes as the hand-written file', () => {
  assert.deepEqual(encodeUbyteIdx([2, 2, 3], TWO_IMAGES.subarray(16)), TWO_IMAGES);
});

test('corrupt or truncated files are UserInputErrors that name the file', () => {
  expectUserInputError(() => parseIdx(TWO_IMAGES.subarray(0, 3), 'short.idx'), 'short.idx', '4-byte magic');
  const badMagic = TWO_IMAGES.slice();
  badMagic[0] = 0x1f;
  expectUserInputError(() => parseIdx(badMagic, 'magic.idx'), 'magic.idx', 'magic number');
  const badType = TWO_IMAGES.slice();
  badType[2] = 0x07;
  expectUserInputError(() => parseIdx(badType, 'type.idx'), 'type.idx', 'element type');
  expectUserInputError(() => parseIdx(TWO_IMAGES.subarray(0, 10), 'header.idx'), 'header.idx', 'truncated header');
  expectUserInputError(() => parseIdx(TWO_IMAGES.subarray(0, TWO_IMAGES.length - 1), 'cut.idx'), 'cut.idx', 'truncated', '28 bytes', '27');
  const extra = new Uint8Array(TWO_IMAGES.length + 2);
  extra.set(TWO_IMAGES);
  expectUserInputError(() => parseIdx(extra, 'long.idx'), 'long.idx', '2 bytes after');
});

test('reads plain and gzipped files; checks type and rank; a missing file names its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-test-'));
  try {
    writeFileSync(join(dir, 'plain'), TWO_IMAGES);
    writeFileSync(join(dir, 'zipped'), gzipSync(TWO_IMAGES));
    assert.deepEqual(readIdxFile(join(dir, 'plain')).data, readIdxFile(join(dir, 'zipped')).data);
    assert.deepEqual(readUbyteIdxFile(join(dir, 'plain'), 3).dims, [2, 2, 3]);
    expectUserInputError(() => readUbyteIdxFile(join(dir, 'plain'), 1), join(dir, 'plain'), 'expected 1');
    writeFileSync(join(dir, 'broken-gzip'), gzipSync(TWO_IMAGES).subarray(0, 12));
    expectUserInputError(() => readIdxFile(join(dir, 'broken-gzip')), 'broken-gzip');
    expectUserInputError(() => readIdxFile(join(dir, 'absent')), join(dir, 'absent'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
