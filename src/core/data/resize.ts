/**
 * Pixel-level conversions for images of any size: channel count (gray <-> RGB, RGBA -> either)
 * and bilinear resizing. All work on HWC bytes and round to the nearest byte.
 */

/**
 * Converts between 1 (gray), 3 (RGB) and 4 (RGBA) channels. Gray from color is the ITU-R 601
 * luma, 0.299 R + 0.587 G + 0.114 B (as PIL's convert('L')); color from gray repeats the value;
 * alpha is dropped (as PIL's convert('RGB')).
 */
export function convertChannels(source: Uint8Array, pixelCount: number, fromChannels: number, toChannels: number): Uint8Array {
  if (![1, 3, 4].includes(fromChannels)) throw new RangeError(`cannot convert from ${fromChannels} channels`);
  if (![1, 3].includes(toChannels)) throw new RangeError(`cannot convert to ${toChannels} channels (1 or 3)`);
  if (fromChannels === toChannels) return source;
  const out = new Uint8Array(pixelCount * toChannels);
  for (let p = 0; p < pixelCount; p++) {
    const s = p * fromChannels;
    if (toChannels === 1) {
      out[p] = fromChannels === 1 ? source[s] : Math.round(0.299 * source[s] + 0.587 * source[s + 1] + 0.114 * source[s + 2]);
    } else if (fromChannels === 1) {
      out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = source[s];
    } else {
      out[3 * p] = source[s];
      out[3 * p + 1] = source[s + 1];
      out[3 * p + 2] = source[s + 2];
    }
  }
  return out;
}

/**
 * Averages blocks of factorY x factorX pixels (a box filter), dropping the last rows/columns that
 * do not fill a block. Used before a large bilinear downscale, which would otherwise sample only
 * 4 of every many source pixels and alias (PIL and torchvision filter before they shrink, too).
 */
export function boxDownsample(
  source: Uint8Array,
  height: number,
  width: number,
  channels: number,
  factorY: number,
  factorX: number,
): { data: Uint8Array; height: number; width: number } {
  const outHeight = Math.floor(height / factorY);
  const outWidth = Math.floor(width / factorX);
  const out = new Uint8Array(outHeight * outWidth * channels);
  const area = factorY * factorX;
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let dy = 0; dy < factorY; dy++) {
          const row = (y * factorY + dy) * width;
          for (let dx = 0; dx < factorX; dx++) sum += source[(row + x * factorX + dx) * channels + c];
        }
        out[(y * outWidth + x) * channels + c] = Math.round(sum / area);
      }
    }
  }
  return { data: out, height: outHeight, width: outWidth };
}

/**
 * Bilinear resize with half-pixel centres (as OpenCV INTER_LINEAR, tf.image.resize bilinear and
 * PyTorch align_corners=False): output pixel (y, x) samples the source at
 *   sy = (y + 0.5) * sourceHeight / outHeight - 0.5, clamped to [0, sourceHeight - 1]  (sx alike)
 * and mixes its 4 neighbours. When an axis shrinks by 2x or more, a box filter of
 * floor(source / out) pixels first brings it within 2x of the target (see boxDownsample).
 */
export function resizeBilinear(
  source: Uint8Array,
  height: number,
  width: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): Uint8Array {
  if (height === outHeight && width === outWidth) return source;
  const factorY = Math.max(1, Math.floor(height / outHeight));
  const factorX = Math.max(1, Math.floor(width / outWidth));
  if (factorY >= 2 || factorX >= 2) {
    const reduced = boxDownsample(source, height, width, channels, factorY, factorX);
    return resizeBilinear(reduced.data, reduced.height, reduced.width, channels, outHeight, outWidth);
  }
  const out = new Uint8Array(outHeight * outWidth * channels);
  const scaleY = height / outHeight;
  const scaleX = width / outWidth;
  // Per output column: the two source columns and the weight of the right one.
  const x0s = new Int32Array(outWidth);
  const x1s = new Int32Array(outWidth);
  const wxs = new Float64Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    const sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), width - 1);
    x0s[x] = Math.floor(sx);
    x1s[x] = Math.min(x0s[x] + 1, width - 1);
    wxs[x] = sx - x0s[x];
  }
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = sy - y0;
    for (let x = 0; x < outWidth; x++) {
      const wx = wxs[x];
      const a = (y0 * width + x0s[x]) * channels;
      const b = (y0 * width + x1s[x]) * channels;
      const c = (y1 * width + x0s[x]) * channels;
      const d = (y1 * width + x1s[x]) * channels;
      const o = (y * outWidth + x) * channels;
      for (let ch = 0; ch < channels; ch++) {
        const top = source[a + ch] + (source[b + ch] - source[a + ch]) * wx;
        const bottom = source[c + ch] + (source[d + ch] - source[c + ch]) * wx;
        out[o + ch] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return out;
}

/** RGBA (or gray/RGB) bytes of any size -> `channels` bytes of outHeight x outWidth. */
export function toShape(
  source: Uint8Array,
  height: number,
  width: number,
  sourceChannels: number,
  outHeight: number,
  outWidth: number,
  channels: number,
): Uint8Array {
  const converted = convertChannels(source, height * width, sourceChannels, channels);
  return resizeBilinear(converted, height, width, channels, outHeight, outWidth);
}
