/**
 * The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
 *   bytes 0-1  zero
 *   byte  2    element type (0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)
 *   byte  3    number of dimensions
 *   then one big-endian uint32 per dimension, then the elements, big-endian, row-major.
 * Files may be gzipped (the official downloads are); gzip is detected by its magic bytes.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserInputError } from '../errors';

export type IdxElements = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  readonly dims: number[];
  /** The element type code from byte 2 of the header. */
  readonly typeCode: number;
  readonly data: IdxElements;
}

interface IdxElementType {
  readonly name: string;
  readonly bytes: number;
  read(view: DataView, offset: number, count: number): IdxElements;
}

const ELEMENT_TYPES: Record<number, IdxElementType> = {
  0x08: { name: 'ubyte', bytes: 1, read: (v, o, n) => new Uint8Array(v.buffer, v.byteOffset + o, n).slice() },
  0x09: { name: 'sbyte', bytes: 1, read: (v, o, n) => new Int8Array(v.buffer, v.byteOffset + o, n).slice() },
  0x0b: { name: 'int16', bytes: 2, read: (v, o, n) => Int16Array.from({ length: n }, (_, i) => v.getInt16(o + 2 * i, false)) },
  0x0c: { name: 'int32', bytes: 4, read: (v, o, n) => Int32Array.from({ length: n }, (_, i) => v.getInt32(o + 4 * i, false)) },
  0x0d: { name: 'float32', bytes: 4, read: (v, o, n) => Float32Array.from({ length: n }, (_, i) => v.getFloat32(o + 4 * i, false)) },
  0x0e: { name: 'float64', bytes: 8, read: (v, o, n) => Float64Array.from({ length: n }, (_, i) => v.getFloat64(o + 8 * i, false)) },
};

const GZIP_MAGIC = [0x1f, 0x8b];

/** Parses IDX bytes; `source` names the file in error messages. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  const corrupt = (why: string): UserInputError =>
    new UserInputError(`${source} is not a valid IDX file: ${why}`, source, 'an IDX file (as in the MNIST distribution)');
  if (bytes.length < 4) throw corrupt(`only ${bytes.length} bytes, shorter than the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw corrupt(`magic number starts ${magic}, expected 00 00`);
  }
  const typeCode = bytes[2];
  const elementType = ELEMENT_TYPES[typeCode];
  if (elementType === undefined) throw corrupt(`unknown element type 0x${typeCode.toString(16)}`);
  const rank = bytes[3];
  if (rank === 0) throw corrupt('zero dimensions');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw corrupt(`truncated header: ${rank} dimensions need ${headerBytes} bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    count *= size;
  }
  const expectedBytes = headerBytes + count * elementType.bytes;
  if (bytes.length < expectedBytes) {
    throw corrupt(`truncated: dimensions ${dims.join('x')} of ${elementType.name} need ${expectedBytes} bytes, the file has ${bytes.length}`);
  }
  if (bytes.length > expectedBytes) {
    throw corrupt(`${bytes.length - expectedBytes} bytes after the ${dims.join('x')} ${elementType.name} elements`);
  }
  return { dims, typeCode, data: elementType.read(view, headerBytes, count) };
}

/** Reads and parses an IDX file, gunzipping it first if it is gzipped. */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserInputError(`cannot read IDX file ${path}: ${(e as Error).message}`, path, 'a readable IDX file');
  }
  if (bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new UserInputError(`${path} is gzipped but does not decompress: ${(e as Error).message}`, path, 'a complete .gz file');
    }
  }
  return parseIdx(bytes, path);
}

/** Reads an IDX file of unsigned bytes with the given rank, e.g. images [n, 28, 28] or labels [n]. */
export function readUbyteIdxFile(path: string, rank: number): { dims: number[]; data: Uint8Array } {
  const idx = readIdxFile(path);
  if (idx.typeCode !== 0x08 || !(idx.data instanceof Uint8Array)) {
    throw new UserInputError(`${path} holds ${ELEMENT_TYPES[idx.typeCode].name} elements, expected ubyte`, path, 'ubyte elements');
  }
  if (idx.dims.length !== rank) {
    throw new UserInputError(`${path} has ${idx.dims.length} dimensions (${idx.dims.join('x')}), expected ${rank}`, path, `${rank} dimensions`);
  }
  return { dims: idx.dims, data: idx.data };
}

/** Encodes unsigned bytes as an IDX file (type 0x08). */
export function encodeUbyteIdx(dims: number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`IDX dims ${dims.join('x')} hold ${count} elements, data has ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((size, d) => view.setUint32(4 + 4 * d, size, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
