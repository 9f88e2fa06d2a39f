import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
// Registers the custom SeededDropout layer, so checkpoints of nets with dropout (WRN) load in any process.
import '../models/seededDropout';

/**
 * A checkpoint folder: model.json (tfjs Layers topology + weights manifest), weights.bin, and,
 * for training checkpoints, optimizer.json + optimizer.bin (momentum buffers, to resume exactly).
 * Plain @tensorflow/tfjs has no file:// handler, so the artifacts are written by hand.
 */

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const OPTIMIZER_FILE = 'optimizer.json';
export const OPTIMIZER_WEIGHTS_FILE = 'optimizer.bin';

export async function modelToFiles(model: tf.LayersModel): Promise<Record<string, string | Uint8Array>> {
  let files: Record<string, string | Uint8Array> = {};
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
      const bytes = Buffer.concat(buffers.map((b) => Buffer.from(b)));
      const modelJson = {
        format: 'layers-model',
        generatedBy: 'ood-lens',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      files = { [MODEL_FILE]: JSON.stringify(modelJson), [WEIGHTS_FILE]: new Uint8Array(bytes) };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length } };
    }),
  );
  return files;
}

/** Loads a model from a checkpoint folder; a missing or corrupt one is a UserInputError. */
export async function loadModelFromDir(dir: string): Promise<tf.LayersModel> {
  const modelFile = path.join(dir, MODEL_FILE);
  const weightsFile = path.join(dir, WEIGHTS_FILE);
  const bad = (why: string) =>
    new UserInputError(`checkpoint ${dir} does not load: ${why}; expected a folder with ${MODEL_FILE} and ${WEIGHTS_FILE} written by ood-lens`, dir, 'a checkpoint folder');
  if (!fs.existsSync(modelFile)) throw bad(`${MODEL_FILE} is missing`);
  if (!fs.existsSync(weightsFile)) throw bad(`${WEIGHTS_FILE} is missing`);
  let json: { modelTopology?: unknown; weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(fs.readFileSync(modelFile, 'utf8'));
  } catch (e) {
    throw bad(`${MODEL_FILE} is not JSON (${(e as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw bad(`${MODEL_FILE} has no modelTopology / weightsManifest`);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const bytes = fs.readFileSync(weightsFile);
  const expectedBytes = weightSpecs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (bytes.length !== expectedBytes) throw bad(`${WEIGHTS_FILE} holds ${bytes.length} bytes, the manifest needs ${expectedBytes}`);
  try {
    const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as object, weightSpecs, weightData }));
  } catch (e) {
    throw bad((e as Error).message);
  }
}

/** Named float32 buffers (optimizer state) as a JSON manifest + one binary file. */
export function tensorsToFiles(named: { name: string; values: Float32Array; shape: number[] }[], extra: Record<string, unknown>): Record<string, string | Uint8Array> {
  const manifest = named.map((n) => ({ name: n.name, shape: n.shape }));
  const total = named.reduce((s, n) => s + n.values.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const n of named) {
    all.set(n.values, offset);
    offset += n.values.length;
  }
  return {
    [OPTIMIZER_FILE]: JSON.stringify({ ...extra, buffers: manifest }),
    [OPTIMIZER_WEIGHTS_FILE]: new Uint8Array(all.buffer),
  };
}

export function readTensorFiles(dir: string): { extra: Record<string, unknown>; buffers: { name: string; shape: number[]; values: Float32Array }[] } | undefined {
  const jsonFile = path.join(dir, OPTIMIZER_FILE);
  const binFile = path.join(dir, OPTIMIZER_WEIGHTS_FILE);
  if (!fs.existsSync(jsonFile) || !fs.existsSync(binFile)) return undefined;
  const json = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { buffers: { name: string; shape: number[] }[] } & Record<string, unknown>;
  const bytes = fs.readFileSync(binFile);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  let offset = 0;
  const buffers = json.buffers.map((b) => {
    const n = b.shape.reduce((a, c) => a * c, 1);
    const values = all.slice(offset, offset + n);
    offset += n;
    return { name: b.name, shape: b.shape, values };
  });
  if (offset !== all.length) throw new UserInputError(`${binFile} holds ${all.length} floats, ${jsonFile} needs ${offset}`, binFile, 'optimizer state');
  const { buffers: _ignored, ...extra } = json;
  return { extra, buffers };
}
