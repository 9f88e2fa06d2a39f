/**
 * Reading an ONNX classifier's graph (no inference here): its image input, the tensor holding the
 * logits, and the final linear layer that makes them (Gemm, or MatMul followed by Add, with
 * constant weights), whose input is the penultimate features. Only graph outputs can be fetched
 * from ONNX Runtime, so `withExtraOutputs` adds inner tensors as outputs.
 */
import { onnx } from 'onnx-proto';
import { UserInputError } from '../errors';

const DataType = onnx.TensorProto.DataType;

import { formatDims, type Dim } from './dims';

export { formatDims, type Dim };

export interface TensorInfo {
  readonly name: string;
  /** undefined when the graph records no shape */
  readonly dims: Dim[] | undefined;
  /** onnx.TensorProto.DataType */
  readonly elemType: number | undefined;
}

/** The final linear layer, as logits = features . kernel + bias. */
export interface FinalLayer {
  /** How it appears in the graph, e.g. "Gemm 'fc'" or "MatMul 'm' + Add 'a'". */
  readonly description: string;
  /** The tensor the layer reads: the penultimate features. */
  readonly input: string;
  /** row-major [dim, classes] */
  readonly kernel: Float32Array;
  /** [classes], or undefined */
  readonly bias: Float32Array | undefined;
  readonly dim: number;
  readonly classes: number;
}

export interface OnnxClassifierGraph {
  readonly input: TensorInfo;
  /** The tensor to read logits from: a graph output, or the input of a final Softmax. */
  readonly logits: string;
  /** Where the logits come from, in words (for run.json and the log). */
  readonly logitsSource: string;
  /** Number of classes when the graph says it (the logits' last dim or the final layer's). */
  readonly classes: number | undefined;
  /** The tensor to read features from (the final layer's input, or --features), if any. */
  readonly features: string | undefined;
  readonly finalLayer: FinalLayer | undefined;
  /** Why there are no features or no final layer, when there are not. */
  readonly notes: string[];
  /** Tensors that are not graph outputs yet and must be added to fetch them. */
  readonly extraOutputs: string[];
  readonly producer: string;
  readonly opset: number | undefined;
}

export interface GraphOptions {
  /** --features NAME: read the penultimate features from this tensor instead of the final layer's input. */
  features?: string;
}

function dataTypeName(t: number | undefined): string {
  if (t === undefined) return 'unknown';
  return (DataType as unknown as Record<number, string>)[t] ?? String(t);
}

function tensorInfo(v: onnx.IValueInfoProto): TensorInfo {
  const tensorType = v.type?.tensorType;
  const shape = tensorType?.shape;
  const dims = shape?.dim?.map((d): Dim => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam || undefined));
  return { name: v.name ?? '', dims: shape ? dims ?? [] : undefined, elemType: tensorType?.elemType ?? undefined };
}


/** Decodes a ModelProto; anything that is not one is a UserInputError naming the file. */
export function decodeModel(bytes: Uint8Array, file: string): onnx.ModelProto {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new UserInputError(`${file} is not an ONNX model (${(e as Error).message}): expected a .onnx file saved by torch.onnx.export, tf2onnx or similar`, file, 'an ONNX ModelProto');
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) {
    throw new UserInputError(`${file} is not an ONNX model with a graph: expected a .onnx file saved by torch.onnx.export, tf2onnx or similar`, file, 'an ONNX ModelProto with nodes');
  }
  return model;
}

/** The float values of a constant tensor, or a reason why they cannot be read. */
function tensorValues(t: onnx.ITensorProto): Float32Array | string {
  const n = (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1);
  if ((t.externalData ?? []).length > 0 || t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return `'${t.name}' is stored in an external data file`;
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (t.dataType === DataType.FLOAT) {
    if (raw) {
      if (raw.length !== n * 4) return `'${t.name}' holds ${raw.length} bytes for ${n} floats`;
      // Copied: rawData may sit at an unaligned offset of the model's buffer. ONNX is little-endian.
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
    }
    if ((t.floatData ?? []).length === n) return Float32Array.from(t.floatData ?? []);
    return `'${t.name}' has ${(t.floatData ?? []).length} values for shape [${(t.dims ?? []).join(', ')}]`;
  }
  if (t.dataType === DataType.DOUBLE) {
    if (raw) {
      if (raw.length !== n * 8) return `'${t.name}' holds ${raw.length} bytes for ${n} doubles`;
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Float32Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, true));
    }
    if ((t.doubleData ?? []).length === n) return Float32Array.from(t.doubleData ?? []);
  }
  return `'${t.name}' is ${dataTypeName(t.dataType ?? undefined)}: expected FLOAT or DOUBLE weights`;
}

interface Constant {
  values: Float32Array;
  dims: number[];
}

class GraphIndex {
  readonly producers = new Map<string, onnx.INodeProto>();
  readonly initializers = new Map<string, onnx.ITensorProto>();
  readonly valueInfo = new Map<string, TensorInfo>();

  constructor(readonly graph: onnx.IGraphProto) {
    for (const node of graph.node ?? []) for (const out of node.output ?? []) this.producers.set(out, node);
    for (const t of graph.initializer ?? []) if (t.name) this.initializers.set(t.name, t);
    for (const v of [...(graph.valueInfo ?? []), ...(graph.output ?? []), ...(graph.input ?? [])]) if (v.name) this.valueInfo.set(v.name, tensorInfo(v));
  }

  /** Follows Identity nodes back to the tensor they copy. */
  source(name: string): string {
    let current = name;
    for (let hops = 0; hops < 100; hops++) {
      const node = this.producers.get(current);
      if (!node || node.opType !== 'Identity' || !node.input?.[0]) return current;
      current = node.input[0];
    }
    return current;
  }

  /** A constant's values (initializer or Constant node, through Identity), or a reason why not. */
  constant(name: string): Constant | string {
    const source = this.source(name);
    const init = this.initializers.get(source);
    if (init) {
      const values = tensorValues(init);
      return typeof values === 'string' ? values : { values, dims: (init.dims ?? []).map(Number) };
    }
    const node = this.producers.get(source);
    if (node?.opType === 'Constant') {
      const value = (node.attribute ?? []).find((a) => a.name === 'value')?.t;
      if (value) {
        const values = tensorValues(value);
        return typeof values === 'string' ? values : { values, dims: (value.dims ?? []).map(Number) };
      }
    }
    return `'${name}' is computed by the graph${node ? ` (${node.opType} '${node.name ?? ''}')` : ''}, not a constant`;
  }
}

function intAttribute(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a?.i !== undefined && a.i !== null ? Number(a.i) : fallback;
}

function floatAttribute(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a?.f !== undefined && a.f !== null && a.type === onnx.AttributeProto.AttributeType.FLOAT ? Number(a.f) : fallback;
}

function nodeLabel(node: onnx.INodeProto): string {
  return `${node.opType} '${node.name ?? ''}'`;
}

/** [rows, cols] row-major -> its transpose. */
function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** A bias of `classes` values (shape [k] or [1, k]) scaled by `beta`, or a reason why not. */
function biasOf(index: GraphIndex, name: string, classes: number, beta: number): Float32Array | string {
  const c = index.constant(name);
  if (typeof c === 'string') return c;
  if (c.values.length !== classes) return `bias '${name}' has shape [${c.dims.join(', ')}]: expected ${classes} values`;
  return beta === 1 ? c.values : c.values.map((v) => v * beta);
}

/** The final linear layer producing `logits`, or a reason why there is none the engine can read. */
function findFinalLayer(index: GraphIndex, logits: string): FinalLayer | string {
  const node = index.producers.get(index.source(logits));
  if (!node) return `'${logits}' is not made by any node`;
  if (node.opType === 'Gemm') {
    const [a, b, c] = node.input ?? [];
    if (intAttribute(node, 'transA', 0) !== 0) return `${nodeLabel(node)} has transA = 1`;
    const w = index.constant(b);
    if (typeof w === 'string') return `the weights of ${nodeLabel(node)}: ${w}`;
    if (w.dims.length !== 2) return `the weights of ${nodeLabel(node)} have shape [${w.dims.join(', ')}]: expected 2 dims`;
    const alpha = floatAttribute(node, 'alpha', 1);
    const beta = floatAttribute(node, 'beta', 1);
    const transB = intAttribute(node, 'transB', 0) !== 0;
    const [dim, classes] = transB ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]];
    let kernel = transB ? transpose(w.values, w.dims[0], w.dims[1]) : w.values;
    if (alpha !== 1) kernel = kernel.map((v) => v * alpha);
    let bias: Float32Array | undefined;
    if (c) {
      const found = biasOf(index, c, classes, beta);
      if (typeof found === 'string') return `the bias of ${nodeLabel(node)}: ${found}`;
      bias = found;
    }
    return { description: nodeLabel(node), input: a, kernel, bias, dim, classes };
  }
  let matMul: onnx.INodeProto | undefined;
  let add: onnx.INodeProto | undefined;
  let biasName: string | undefined;
  if (node.opType === 'Add') {
    const [x, y] = node.input ?? [];
    const xNode = index.producers.get(index.source(x));
    const yNode = index.producers.get(index.source(y));
    if (xNode?.opType === 'MatMul' && typeof index.constant(y) !== 'string') [matMul, biasName] = [xNode, y];
    else if (yNode?.opType === 'MatMul' && typeof index.constant(x) !== 'string') [matMul, biasName] = [yNode, x];
    else return `${nodeLabel(node)} makes the logits but is not MatMul + a constant bias`;
    add = node;
  } else if (node.opType === 'MatMul') {
    matMul = node;
  } else {
    return `the logits '${logits}' are made by ${nodeLabel(node)}: expected Gemm, or MatMul (+ Add)`;
  }
  const [a, b] = matMul.input ?? [];
  const w = index.constant(b);
  if (typeof w === 'string') return `the weights of ${nodeLabel(matMul)}: ${w}`;
  if (w.dims.length !== 2) return `the weights of ${nodeLabel(matMul)} have shape [${w.dims.join(', ')}]: expected 2 dims`;
  const [dim, classes] = w.dims;
  let bias: Float32Array | undefined;
  if (biasName !== undefined && add) {
    const found = biasOf(index, biasName, classes, 1);
    if (typeof found === 'string') return `the bias of ${nodeLabel(add)}: ${found}`;
    bias = found;
  }
  return { description: add ? `${nodeLabel(matMul)} + ${nodeLabel(add)}` : nodeLabel(matMul), input: a, kernel: w.values, bias, dim, classes };
}

/**
 * Reads what OOD Lens needs from an ONNX classifier: exactly one image input (rank 4, float), the
 * logits (the first graph output; when that is a Softmax / LogSoftmax, its input), and the final
 * linear layer whose input is the penultimate features. Errors a user can cause (not a model, no
 * image input, no 2-d output) are UserInputErrors; a graph without a readable final layer is not
 * an error: the scorers that need it are skipped, and `notes` says why.
 */
export function readClassifierGraph(bytes: Uint8Array, file: string, options: GraphOptions = {}): OnnxClassifierGraph {
  const model = decodeModel(bytes, file);
  const graph = model.graph as onnx.IGraphProto;
  const index = new GraphIndex(graph);
  const inputs = (graph.input ?? []).filter((v) => v.name && !index.initializers.has(v.name)).map(tensorInfo);
  if (inputs.length !== 1) {
    throw new UserInputError(
      `${file} has ${inputs.length} inputs (${inputs.map((i) => `${i.name} ${formatDims(i.dims)}`).join(', ') || 'none'}): expected one image input [N, C, H, W] or [N, H, W, C]`,
      file,
      'one image input',
    );
  }
  const input = inputs[0];
  if (input.dims !== undefined && input.dims.length !== 4) {
    throw new UserInputError(`${file}: input '${input.name}' has shape ${formatDims(input.dims)}: expected 4 dims, [N, C, H, W] or [N, H, W, C]`, input.name, '[N, C, H, W] or [N, H, W, C]');
  }
  if (input.elemType !== undefined && input.elemType !== DataType.FLOAT) {
    throw new UserInputError(`${file}: input '${input.name}' is ${dataTypeName(input.elemType)}: expected FLOAT images`, input.name, 'FLOAT');
  }
  const outputs = (graph.output ?? []).map(tensorInfo);
  if (outputs.length === 0) throw new UserInputError(`${file} has no outputs: expected the logits [N, classes]`, file, 'an output [N, classes]');
  const first = outputs[0];
  if (first.dims !== undefined && first.dims.length !== 2) {
    throw new UserInputError(`${file}: output '${first.name}' has shape ${formatDims(first.dims)}: expected the logits [N, classes]`, first.name, '[N, classes]');
  }
  const notes: string[] = [];
  let logits = first.name;
  let logitsSource = `graph output '${first.name}'`;
  const last = index.producers.get(index.source(first.name));
  if (last && (last.opType === 'Softmax' || last.opType === 'LogSoftmax') && last.input?.[0]) {
    logits = last.input[0];
    logitsSource = `input '${logits}' of the final ${nodeLabel(last)} (the output '${first.name}' is probabilities)`;
  }
  const lastDim = first.dims?.[1];
  const found = findFinalLayer(index, logits);
  let finalLayer = typeof found === 'string' ? undefined : found;
  if (typeof found === 'string') notes.push(`no final linear layer: ${found}`);
  if (finalLayer && typeof lastDim === 'number' && finalLayer.classes !== lastDim) {
    notes.push(`${finalLayer.description} makes ${finalLayer.classes} values but the logits have ${lastDim}: its weights are not used`);
    finalLayer = undefined;
  }
  const classes = typeof lastDim === 'number' ? lastDim : finalLayer?.classes;
  if (classes !== undefined && classes < 2) {
    throw new UserInputError(`${file}: output '${first.name}' has ${classes} value(s) per image: expected the logits of 2 or more classes`, first.name, '[N, classes >= 2]');
  }
  let features = finalLayer?.input;
  if (options.features !== undefined) {
    const known = index.producers.has(options.features);
    if (!known) {
      throw new UserInputError(`${file} has no tensor '${options.features}' made by a node: expected --features to name a node output, such as the input of the final layer${finalLayer ? ` ('${finalLayer.input}')` : ''}`, options.features, 'a tensor of the graph');
    }
    if (finalLayer && options.features !== finalLayer.input && index.source(options.features) !== index.source(finalLayer.input)) {
      notes.push(`features '${options.features}' are not the input of ${finalLayer.description} ('${finalLayer.input}'): react and gradnorm, which need that input, are skipped`);
      finalLayer = undefined;
    }
    features = options.features;
  }
  if (features === undefined) notes.push('no penultimate features: give --features NAME to read them from a tensor of the graph');
  const outputNames = new Set(outputs.map((o) => o.name));
  const extraOutputs = [logits, features].filter((n): n is string => n !== undefined && !outputNames.has(n));
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  return {
    input,
    logits,
    logitsSource,
    classes,
    features,
    finalLayer,
    notes,
    extraOutputs: [...new Set(extraOutputs)],
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opset: opset === undefined || opset === null ? undefined : Number(opset),
  };
}

/**
 * The model with `names` added as graph outputs. Protocol Buffers merge a repeated embedded
 * message field that appears twice, so appending a second `graph` holding only the new outputs
 * adds them while every other byte of the model (fields this decoder does not know included)
 * stays as it was; no re-encoding.
 */
export function withExtraOutputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  if (names.length === 0) return bytes;
  const extra = onnx.ModelProto.encode({ graph: { output: names.map((name) => ({ name })) } }).finish();
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes, 0);
  out.set(extra, bytes.length);
  return out;
}
