/**
 * How an imported model wants its images: size, channels, layout (NCHW for PyTorch exports, NHWC
 * for TensorFlow ones) and per-channel mean / std on the [0, 1] pixel scale,
 * x = (byte / 255 - mean[c]) / std[c]. What the model's input shape fixes is read from it; the
 * rest comes from flags, else the sidecar `<model>.oodlens.json`, else a preset. A value given
 * twice must agree with the model; nothing is guessed where a wrong guess would silently give
 * meaningless scores (the normalisation above all).
 */
import { UserInputError } from '../errors';
import type { ImageSet } from '../data/types';
import { formatDims } from './dims';
import type { TensorInfo } from './onnxGraph';
import { sidecarPath, type PreprocessingSpec } from './sidecar';

export { readSidecar, sidecarPath, writeSidecar, type PreprocessingSpec, type Sidecar } from './sidecar';



export type Layout = 'nchw' | 'nhwc';

export interface Preprocessing {
  readonly layout: Layout;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly mean: number[];
  readonly std: number[];
  /** Where each part came from, e.g. { layout: 'model input shape', mean: 'preset cifar10' }. */
  readonly sources: Record<string, string>;
}

export interface NormalizationPreset {
  readonly mean: number[];
  readonly std: number[];
  /** The usual input size of models of this data set. */
  readonly size?: [number, number];
}

/** The usual normalisations (torchvision's ImageNet one; the common CIFAR statistics). `none` is x = byte / 255. */
export const PREPROCESSING_PRESETS: Record<string, NormalizationPreset> = {
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616], size: [32, 32] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762], size: [32, 32] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], size: [224, 224] },
  none: { mean: [0, 0, 0], std: [1, 1, 1] },
};

/** "0.5,0.5,0.5" -> [0.5, 0.5, 0.5] (for --mean / --std) */
export function parseNumberList(raw: string, flag: string): number[] {
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v)) || raw.trim() === '') {
    throw new UserInputError(`--${flag} '${raw}' is not a list of numbers: expected e.g. 0.485,0.456,0.406`, raw, 'numbers separated by commas');
  }
  return values;
}

/** "224x224" or "224" -> [224, 224] (for --size) */
export function parseSize(raw: string): [number, number] {
  const parts = raw.toLowerCase().split('x').map((s) => Number(s.trim()));
  const [h, w] = parts.length === 1 ? [parts[0], parts[0]] : parts;
  if (parts.length > 2 || !Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new UserInputError(`--size '${raw}' is not HEIGHTxWIDTH: expected e.g. 32x32 or 224`, raw, 'HEIGHTxWIDTH');
  }
  return [h, w];
}

const isChannelCount = (d: unknown): d is number => d === 1 || d === 3;

/**
 * Merges the model's input shape, the flags and the sidecar (flags win over the sidecar, which
 * wins over the preset; the model's fixed dims win over nothing: a contradiction is an error).
 */
export function resolvePreprocessing(input: TensorInfo, file: string, flags: PreprocessingSpec, sidecar?: { file: string; spec: PreprocessingSpec }): Preprocessing {
  const sources: Record<string, string> = {};
  const side = sidecar?.spec ?? {};
  const sideName = sidecar ? `sidecar ${sidecar.file}` : '';
  const pick = <T>(key: keyof PreprocessingSpec, flag: T | undefined, fromSidecar: T | undefined): T | undefined => {
    if (flag !== undefined) {
      sources[key] = 'flag';
      return flag;
    }
    if (fromSidecar !== undefined) {
      sources[key] = sideName;
      return fromSidecar;
    }
    return undefined;
  };
  const presetName = pick('preset', flags.preset, side.preset);
  let preset: NormalizationPreset | undefined;
  if (presetName !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(PREPROCESSING_PRESETS, presetName)) {
      const known = Object.keys(PREPROCESSING_PRESETS).join(', ');
      throw new UserInputError(`unknown preprocessing preset '${presetName}': expected one of ${known}`, presetName, known);
    }
    preset = PREPROCESSING_PRESETS[presetName];
  }
  const dims = input.dims ?? [undefined, undefined, undefined, undefined];
  const [, d1, d2, d3] = dims;
  const where = `${file}: input '${input.name}' ${formatDims(input.dims)}`;

  // Layout: from the flag/sidecar, else from where a fixed 1 or 3 sits.
  const layoutSpec = pick('layout', flags.layout, side.layout);
  let layout: Layout;
  if (layoutSpec !== undefined) {
    const lower = layoutSpec.toLowerCase();
    if (lower !== 'nchw' && lower !== 'nhwc') throw new UserInputError(`layout '${layoutSpec}' is not nchw or nhwc`, layoutSpec, 'nchw or nhwc');
    layout = lower;
    const c = layout === 'nchw' ? d1 : d3;
    if (typeof c === 'number' && !isChannelCount(c)) {
      throw new UserInputError(`${where} has ${c} in the channel position of ${layout.toUpperCase()}: expected 1 or 3 (is the layout ${layout === 'nchw' ? 'nhwc' : 'nchw'}?)`, layoutSpec, layout === 'nchw' ? 'nhwc' : 'nchw');
    }
  } else if (isChannelCount(d1) && !isChannelCount(d3)) {
    layout = 'nchw';
    sources.layout = 'model input shape';
  } else if (isChannelCount(d3) && !isChannelCount(d1)) {
    layout = 'nhwc';
    sources.layout = 'model input shape';
  } else {
    throw new UserInputError(
      `${where} does not tell its layout: expected --layout nchw (PyTorch) or nhwc (TensorFlow), or "layout" in ${sidecarPath(file)}`,
      input.name,
      '--layout nchw|nhwc',
    );
  }
  const [modelC, modelH, modelW] = layout === 'nchw' ? [d1, d2, d3] : [d3, d1, d2];

  const sizeSpec = pick('size', flags.size, side.size);
  // A preset's usual size only fills dims the model leaves open; a size the user gave must agree.
  const given = sizeSpec ?? preset?.size;
  const givenSource = sizeSpec !== undefined ? sources.size : `preset ${presetName}`;
  const sizeDim = (what: string, fromModel: unknown, i: 0 | 1): number => {
    if (typeof fromModel === 'number') {
      if (sizeSpec !== undefined && sizeSpec[i] !== fromModel) {
        throw new UserInputError(`${where} fixes the ${what} at ${fromModel}, but ${givenSource} says ${sizeSpec[i]}`, String(sizeSpec[i]), String(fromModel));
      }
      return fromModel;
    }
    if (given === undefined) {
      throw new UserInputError(`${where} does not fix the image size: expected --size HEIGHTxWIDTH (or "size" in ${sidecarPath(file)})`, input.name, '--size HxW');
    }
    return given[i];
  };
  const height = sizeDim('height', modelH, 0);
  const width = sizeDim('width', modelW, 1);
  sources.size = typeof modelH === 'number' && typeof modelW === 'number' ? 'model input shape' : givenSource;
  const fixedOrGiven = (what: string, fromModel: unknown, given: number | undefined, givenSource: string): number | undefined => {
    if (typeof fromModel === 'number') {
      if (given !== undefined && given !== fromModel) {
        throw new UserInputError(`${where} fixes the ${what} at ${fromModel}, but ${givenSource} says ${given}`, String(given), String(fromModel));
      }
      sources[what] = 'model input shape';
      return fromModel;
    }
    return given;
  };
  const channelSpec = pick('channels', flags.channels, side.channels);
  const channels = fixedOrGiven('channels', modelC, channelSpec, sources.channels ?? '') ?? 3;
  if (!isChannelCount(channels)) throw new UserInputError(`${where}: ${channels} channels: expected 1 (gray) or 3 (RGB)`, String(channels), '1 or 3');
  if (sources.channels === undefined) sources.channels = 'default (RGB)';

  let mean = pick('mean', flags.mean, side.mean);
  let std = pick('std', flags.std, side.std);
  if (mean === undefined || std === undefined) {
    if (!preset) {
      throw new UserInputError(
        `no normalisation for ${file}: expected --preset ${Object.keys(PREPROCESSING_PRESETS).join('|')} or --mean r,g,b --std r,g,b (or "preset" / "mean" and "std" in ${sidecarPath(file)})`,
        file,
        '--preset or --mean/--std',
      );
    }
    if (mean === undefined) {
      mean = preset.mean;
      sources.mean = `preset ${presetName}`;
    }
    if (std === undefined) {
      std = preset.std;
      sources.std = `preset ${presetName}`;
    }
  }
  const widen = (values: number[], what: string) => {
    if (values.length === channels) return values;
    if (values.length === 1) return new Array<number>(channels).fill(values[0]);
    if (channels === 1 && values.length === 3) {
      throw new UserInputError(`${what} has 3 values but ${file} takes 1-channel images: expected one value`, values.join(','), '1 value');
    }
    throw new UserInputError(`${what} has ${values.length} values for ${channels}-channel images: expected ${channels} (or one for all)`, values.join(','), `${channels} values`);
  };
  mean = widen(mean, 'mean');
  std = widen(std, 'std');
  if (std.some((s) => !(s > 0))) throw new UserInputError(`std ${std.join(',')} has a value <= 0: expected positive numbers`, std.join(','), 'positive numbers');
  delete sources.preset;
  return { layout, height, width, channels, mean, std, sources };
}

/**
 * The images at `indices` as the model's input: float32, (byte / 255 - mean[c]) / std[c], in
 * its layout. The set must already have the model's height, width and channels.
 */
export function toModelInput(set: ImageSet, indices: ArrayLike<number>, pre: Preprocessing): Float32Array {
  const { height, width, channels } = set;
  if (height !== pre.height || width !== pre.width || channels !== pre.channels) {
    throw new RangeError(`${set.name} is ${height}x${width}x${channels}, the model takes ${pre.height}x${pre.width}x${pre.channels}`);
  }
  const pixels = height * width;
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) for (let b = 0; b < 256; b++) table[c * 256 + b] = (b / 255 - pre.mean[c]) / pre.std[c];
  const out = new Float32Array(indices.length * pixels * channels);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!(index >= 0 && index < set.count)) throw new RangeError(`image index ${index} out of range for ${set.name} (${set.count} images)`);
    const image = set.images.subarray(index * pixels * channels, (index + 1) * pixels * channels);
    const base = i * pixels * channels;
    if (pre.layout === 'nhwc') {
      for (let p = 0; p < pixels * channels; p++) out[base + p] = table[(p % channels) * 256 + image[p]];
    } else {
      for (let c = 0; c < channels; c++) {
        const plane = base + c * pixels;
        for (let p = 0; p < pixels; p++) out[plane + p] = table[c * 256 + image[p * channels + c]];
      }
    }
  }
  return out;
}

/** The shape [n, ...] of a batch of n images in the model's layout. */
export function inputShape(n: number, pre: Preprocessing): number[] {
  return pre.layout === 'nchw' ? [n, pre.channels, pre.height, pre.width] : [n, pre.height, pre.width, pre.channels];
}
