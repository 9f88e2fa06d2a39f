/** Small ONNX models built in the tests with onnx-proto, whose outputs are worked out by hand. */
import { onnx } from 'onnx-proto';

export type DimSpec = number | string;

export function valueInfo(name: string, dims: DimSpec[] | undefined, elemType: number = onnx.TensorProto.DataType.FLOAT): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } : {}) } },
  };
}

export function floatTensor(name: string, dims: number[], values: number[], asRawData = true): onnx.ITensorProto {
  return asRawData
    ? { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(new Float32Array(values).buffer) }
    : { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values };
}

export function intAttr(name: string, i: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

export function intsAttr(name: string, ints: number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

export function node(opType: string, inputs: string[], outputs: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, input: inputs, output: outputs, name: `${opType.toLowerCase()}_${outputs[0]}`, attribute };
}

export function modelBytes(graph: onnx.IGraphProto, opset = 13): Uint8Array {
  return onnx.ModelProto.encode({ irVersion: 7, producerName: 'ood-lens-test', opsetImport: [{ domain: '', version: opset }], graph: { name: 'g', ...graph } }).finish();
}

/**
 * NCHW, PyTorch style: x [N, 3, 4, 4] -> 1x1 Conv (2 filters) -> Relu -> GlobalAveragePool ->
 * Flatten -> Gemm (transB = 1, 3 classes) -> logits.
 */
export const CONV_NET = {
  convW: [
    [0.5, -0.25, 1],
    [-1, 0.75, 0.5],
  ],
  convB: [0.1, -0.2],
  fcW: [
    [1, -1],
    [0.5, 2],
    [-0.3, 0.2],
  ], // [classes, features], as torch.nn.Linear stores it
  fcB: [0.05, -0.1, 0.2],
};

export function convNetModel(batch: DimSpec = 'N'): Uint8Array {
  const c = CONV_NET;
  return modelBytes({
    node: [
      node('Conv', ['x', 'convW', 'convB'], ['conv']),
      node('Relu', ['conv'], ['relu']),
      node('GlobalAveragePool', ['relu'], ['pool']),
      node('Flatten', ['pool'], ['features']),
      node('Gemm', ['features', 'fcW', 'fcB'], ['logits'], [intAttr('transB', 1)]),
    ],
    initializer: [
      floatTensor('convW', [2, 3, 1, 1], c.convW.flat()),
      floatTensor('convB', [2], c.convB),
      floatTensor('fcW', [3, 2], c.fcW.flat(), false),
      floatTensor('fcB', [3], c.fcB),
    ],
    input: [valueInfo('x', [batch, 3, 4, 4])],
    output: [valueInfo('logits', [batch, 3])],
  });
}

/** The conv net by hand: image [3][4][4] (NCHW) -> { features [2], logits [3] }. */
export function convNetByHand(image: number[][][]): { features: number[]; logits: number[] } {
  const c = CONV_NET;
  const features = c.convW.map((w, o) => {
    let sum = 0;
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) sum += Math.max(0, w[0] * image[0][y][x] + w[1] * image[1][y][x] + w[2] * image[2][y][x] + c.convB[o]);
    return sum / 16;
  });
  const logits = c.fcW.map((row, k) => row[0] * features[0] + row[1] * features[1] + c.fcB[k]);
  return { features, logits };
}

/**
 * NHWC, TensorFlow style: x [N, 4, 4, 3] -> ReduceMean over H, W (features [N, 3]) -> MatMul
 * (W [3, 4]) -> Add (b [4]) -> Softmax -> probabilities (the graph's only output).
 */
export const MATMUL_NET = {
  w: [
    [1, 0, -1, 0.5],
    [0, 2, 1, -0.5],
    [0.5, -1, 0, 1],
  ],
  b: [0.1, 0.2, -0.3, 0],
};

export function matMulNetModel(): Uint8Array {
  const m = MATMUL_NET;
  return modelBytes({
    node: [
      node('ReduceMean', ['x'], ['features'], [intsAttr('axes', [1, 2]), intAttr('keepdims', 0)]),
      node('MatMul', ['features', 'w'], ['matmul']),
      node('Add', ['b', 'matmul'], ['logits']),
      node('Softmax', ['logits'], ['probabilities'], [intAttr('axis', 1)]),
    ],
    initializer: [floatTensor('w', [3, 4], m.w.flat()), floatTensor('b', [4], m.b)],
    input: [valueInfo('x', ['batch', 4, 4, 3])],
    output: [valueInfo('probabilities', ['batch', 4])],
  });
}

export function matMulNetByHand(image: number[][][] /* [4][4][3] NHWC */): { features: number[]; logits: number[] } {
  const m = MATMUL_NET;
  const features = [0, 1, 2].map((c) => {
    let sum = 0;
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) sum += image[y][x][c];
    return sum / 16;
  });
  const logits = m.b.map((b, k) => features[0] * m.w[0][k] + features[1] * m.w[1][k] + features[2] * m.w[2][k] + b);
  return { features, logits };
}
