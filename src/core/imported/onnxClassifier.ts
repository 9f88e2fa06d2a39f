/**
 * An ONNX classifier run by ONNX Runtime (onnxruntime-node, CPU execution provider): its graph as
 * read by onnxGraph.ts, a session that also returns the logits and the penultimate features, and
 * batched inference. onnxruntime-node is loaded only here, when a model is opened, so nothing
 * else of the engine (nor the extension) pays for its native library.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { UserInputError } from '../errors';
import { formatDims, readClassifierGraph, withExtraOutputs, type GraphOptions, type OnnxClassifierGraph } from './onnxGraph';

export interface ModelOutputsBatch {
  /** [n, classes] row-major */
  readonly logits: Float32Array;
  /** [n, dim] row-major (a [n, d, 1, 1] tensor is read as [n, d]), when the graph gives features */
  readonly features: Float32Array | undefined;
  readonly classes: number;
  readonly featureDim: number;
}

export interface LoadedModelFile {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/** Reads a model file; a missing one is a UserInputError. */
export function readModelFile(file: string): LoadedModelFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UserInputError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): expected an .onnx file`, file, 'an .onnx file');
  }
  return { file, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), sha256: createHash('sha256').update(bytes).digest('hex') };
}

type OrtModule = typeof import('onnxruntime-node');

function loadOrt(): OrtModule {
  try {
    // Required at run time so that bundles which never open a model never load the native addon.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as OrtModule;
  } catch (e) {
    throw new UserInputError(
      `onnxruntime-node does not load here (${(e as Error).message.split('\n')[0]}): expected it installed beside ood-lens (npm install onnxruntime-node)`,
      'onnxruntime-node',
      'an installed onnxruntime-node',
    );
  }
}

export class OnnxClassifier {
  private constructor(
    readonly model: LoadedModelFile,
    readonly graph: OnnxClassifierGraph,
    private readonly session: InferenceSession,
    private readonly ort: OrtModule,
  ) {}

  /** Opens `file`: reads its graph, adds the logits / features as outputs, and starts a CPU session. */
  static async open(file: string, options: GraphOptions & { threads?: number } = {}): Promise<OnnxClassifier> {
    const model = readModelFile(file);
    const graph = readClassifierGraph(model.bytes, file, options);
    const ort = loadOrt();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(withExtraOutputs(model.bytes, graph.extraOutputs), {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      });
    } catch (e) {
      throw new UserInputError(`ONNX Runtime cannot load ${file}: ${(e as Error).message.split('\n')[0]}`, file, 'a model ONNX Runtime can run');
    }
    return new OnnxClassifier(model, graph, session, ort);
  }

  /** The batch size the model's input fixes (an export without a dynamic batch axis), if it fixes one. */
  get fixedBatch(): number | undefined {
    const first = this.graph.input.dims?.[0];
    return typeof first === 'number' ? first : undefined;
  }

  /** Runs one batch of n images, already in the model's layout and normalisation. */
  async run(input: Float32Array, shape: number[]): Promise<ModelOutputsBatch> {
    const n = shape[0];
    const { logits: logitsName, features: featuresName } = this.graph;
    const fetches = featuresName === undefined ? [logitsName] : [logitsName, featuresName];
    let result: Record<string, Tensor>;
    try {
      result = (await this.session.run({ [this.graph.input.name]: new this.ort.Tensor('float32', input, shape) }, fetches)) as Record<string, Tensor>;
    } catch (e) {
      throw new UserInputError(
        `ONNX Runtime failed on a batch of shape ${formatDims(shape)} for ${this.model.file}: ${(e as Error).message.split('\n')[0]}`,
        this.model.file,
        `input ${formatDims(this.graph.input.dims)}`,
      );
    }
    const logits = result[logitsName];
    if (logits.dims.length !== 2 || logits.dims[0] !== n || logits.type !== 'float32') {
      throw new UserInputError(
        `${this.model.file}: '${logitsName}' came back as ${logits.type} ${formatDims(logits.dims.map(Number))} for ${n} images: expected float32 [${n}, classes]`,
        logitsName,
        `[${n}, classes]`,
      );
    }
    const classes = Number(logits.dims[1]);
    let features: Float32Array | undefined;
    let featureDim = 0;
    if (featuresName !== undefined) {
      const f = result[featuresName];
      featureDim = f.dims.slice(1).reduce((a, d) => a * Number(d), 1);
      if (f.dims[0] !== n || f.type !== 'float32' || featureDim < 1) {
        throw new UserInputError(
          `${this.model.file}: features '${featuresName}' came back as ${f.type} ${formatDims(f.dims.map(Number))} for ${n} images: expected float32 [${n}, dim]`,
          featuresName,
          `[${n}, dim]`,
        );
      }
      features = f.data as Float32Array;
    }
    return { logits: logits.data as Float32Array, features, classes, featureDim };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
