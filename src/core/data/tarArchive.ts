/**
 * Reads the files of a (gunzipped) tar archive, as npm packs packages: ustar headers, long
 * names in the ustar prefix field or in a pax extended header ('x'). Only regular files are
 * returned; `source` names the archive in error messages.
 */
import { UserInputError } from '../errors';

const BLOCK = 512;

function readString(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(end === -1 ? field : field.subarray(0, end)).toString('utf8');
}

function readSize(block: Uint8Array, source: string): number {
  if (block[124] & 0x80) {
    // base-256 (GNU) for sizes over 8 GiB: big-endian in the remaining bytes.
    let size = 0;
    for (let i = 125; i < 136; i++) size = size * 256 + block[i];
    return size;
  }
  const octal = readString(block, 124, 12).trim();
  const size = octal === '' ? 0 : parseInt(octal, 8);
  if (!Number.isFinite(size)) throw new UserInputError(`${source}: tar header has a bad size field '${octal}'`, source, 'a tar archive');
  return size;
}

function paxPath(records: Uint8Array): string | undefined {
  // Each record: "<length> <key>=<value>\n"
  const text = Buffer.from(records).toString('utf8');
  let path: string | undefined;
  let offset = 0;
  while (offset < text.length) {
    const space = text.indexOf(' ', offset);
    if (space === -1) break;
    const length = parseInt(text.slice(offset, space), 10);
    if (!(length > 0)) break;
    const record = text.slice(space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    if (equals !== -1 && record.slice(0, equals) === 'path') path = record.slice(equals + 1);
    offset += length;
  }
  return path;
}

/** Every regular file in the archive: path -> bytes (views into `tar`). */
export function readTarFiles(tar: Uint8Array, source: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let nextPath: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = readSize(header, source);
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length) {
      throw new UserInputError(`${source} is truncated: an entry needs ${size} bytes past offset ${dataStart}, the archive has ${tar.length}`, source, 'a complete tar archive');
    }
    const data = tar.subarray(dataStart, dataStart + size);
    const type = String.fromCharCode(header[156] || 0x30);
    const name = readString(header, 0, 100);
    const prefix = readString(header, 345, 155);
    const path = nextPath ?? (prefix !== '' ? `${prefix}/${name}` : name);
    if (type === 'x') {
      nextPath = paxPath(data);
    } else {
      if (type === '0' || type === '7') files.set(path, data);
      nextPath = undefined;
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
