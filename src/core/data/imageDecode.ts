/**
 * Decodes a PNG or JPEG file (recognised by its first bytes, not its name) into RGBA bytes,
 * with pngjs and jpeg-js. A file that is neither, or does not decode, is a UserInputError that
 * names it.
 */
import { readFileSync } from 'node:fs';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UserInputError } from '../errors';

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes, RGBA. */
  readonly rgba: Uint8Array;
  /** True when every pixel has R = G = B (a gray image, whatever its file's color type). */
  readonly isGray: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);
}

function isGrayRgba(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  }
  return true;
}

export function decodeImageBytes(bytes: Buffer, source: string): DecodedImage {
  const expected = 'a PNG or JPEG image';
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  try {
    if (startsWith(bytes, PNG_SIGNATURE)) {
      // 16-bit PNGs are scaled to 8 bits, palettes expanded: data is always 8-bit RGBA.
      const png = PNG.sync.read(bytes);
      ({ width, height } = png);
      rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
    } else if (startsWith(bytes, JPEG_SIGNATURE)) {
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      ({ width, height } = decoded);
      rgba = decoded.data;
    } else {
      throw new UserInputError(`${source} is not an image: expected ${expected} (by its first bytes)`, source, expected);
    }
  } catch (e) {
    if (e instanceof UserInputError) throw e;
    throw new UserInputError(`${source} does not decode as an image: ${(e as Error).message}`, source, expected);
  }
  if (width === 0 || height === 0 || rgba.length !== width * height * 4) {
    throw new UserInputError(`${source} decodes to an empty or inconsistent image (${width}x${height})`, source, expected);
  }
  return { width, height, rgba, isGray: isGrayRgba(rgba) };
}

export function decodeImageFile(path: string): DecodedImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserInputError(`cannot read image ${path}: ${(e as Error).message}`, path, 'a readable image file');
  }
  return decodeImageBytes(bytes, path);
}
