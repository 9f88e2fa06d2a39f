/**
 * The sidecar `<model>.oodlens.json` beside an ONNX model: its preprocessing (what the model's
 * input shape does not fix) and the answers the extension asked for. One reader and writer for
 * the engine and the extension (no onnxruntime, no tfjs here).
 */
import * as fs from 'node:fs';
import { UserInputError } from '../errors';
import { writeJsonAtomic } from '../runs/atomicWrite';

/** What a user may say (flags or the sidecar); each optional. */
export interface PreprocessingSpec {
  preset?: string;
  layout?: string;
  /** [height, width] */
  size?: [number, number];
  channels?: number;
  mean?: number[];
  std?: number[];
  /** Sidecar only: the tensor to read features from (as --features). */
  features?: string;
}

/**
 * The sidecar's other keys: the answers the extension's "Evaluate OOD" asked for, remembered for
 * the next time (the CLI reads none of them).
 */
export interface SidecarAnswers {
  dataset?: string;
  ood?: string[];
  scorers?: string[];
}

export type Sidecar = PreprocessingSpec & SidecarAnswers;

export function sidecarPath(modelFile: string): string {
  return modelFile.replace(/\.onnx$/i, '') + '.oodlens.json';
}

function numberList(value: unknown, what: string, file: string): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new UserInputError(`${file}: '${what}' is ${JSON.stringify(value)}: expected a list of numbers`, what, 'a list of numbers');
  }
  return value as number[];
}

/** The sidecar `<model>.oodlens.json`, if there is one. */
export function readSidecar(modelFile: string): { file: string; spec: Sidecar } | undefined {
  const file = sidecarPath(modelFile);
  if (!fs.existsSync(file)) return undefined;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UserInputError(`${file} is not JSON (${(e as Error).message}): expected {"preset": ..., "layout": ..., "mean": [...], "std": [...]}`, file, 'JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserInputError(`${file} is not a JSON object`, file, 'a JSON object');
  const str = (key: string) => {
    const v = json[key];
    if (v !== undefined && typeof v !== 'string') throw new UserInputError(`${file}: '${key}' is ${JSON.stringify(v)}: expected a string`, key, 'a string');
    return v as string | undefined;
  };
  const size = numberList(json.size, 'size', file);
  if (size !== undefined && size.length !== 2) throw new UserInputError(`${file}: 'size' is ${JSON.stringify(size)}: expected [height, width]`, 'size', '[height, width]');
  const channels = json.channels;
  if (channels !== undefined && typeof channels !== 'number') throw new UserInputError(`${file}: 'channels' is ${JSON.stringify(channels)}: expected 1 or 3`, 'channels', '1 or 3');
  return {
    file,
    spec: {
      preset: str('preset'),
      layout: str('layout'),
      size: size as [number, number] | undefined,
      channels: channels as number | undefined,
      mean: numberList(json.mean, 'mean', file),
      std: numberList(json.std, 'std', file),
      features: str('features'),
      dataset: str('dataset'),
      ood: stringList(json.ood, 'ood', file),
      scorers: stringList(json.scorers, 'scorers', file),
    },
  };
}

function stringList(value: unknown, what: string, file: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new UserInputError(`${file}: '${what}' is ${JSON.stringify(value)}: expected a list of names`, what, 'a list of names');
  }
  return value as string[];
}

/** Writes (atomically) the sidecar of `modelFile`, keeping the keys `values` does not set. */
export function writeSidecar(modelFile: string, values: Sidecar): string {
  const file = sidecarPath(modelFile);
  let previous: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) previous = parsed as Record<string, unknown>;
  } catch {
    // none yet, or unreadable: replaced
  }
  const merged: Record<string, unknown> = { ...previous };
  for (const [key, value] of Object.entries(values)) if (value !== undefined) merged[key] = value;
  writeJsonAtomic(file, merged);
  return file;
}

