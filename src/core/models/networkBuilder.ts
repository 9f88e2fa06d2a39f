import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { BatchNormalization } from './batchNormTraining';
import { SeededDropout } from './seededDropout';
import { seedForLayer } from './seeds';
import { LOGITS_LAYER, type ModelSpec } from './types';

/**
 * Builds one network with the tfjs functional API, the way every architecture file here needs:
 *
 * - Every layer gets the name its caller gives (checked unique), never tfjs's global counters,
 *   so the same architecture has the same layer and weight names however many models the process
 *   built before; checkpoints load back by name.
 * - Every random part is seeded from the model seed and the layer name (seeds.ts), so the same
 *   seed gives the same weights and the same dropout masks.
 * - Initialisers and batch norm follow the PyTorch code the paper's numbers come from:
 *   convs He-normal with fan_out, std sqrt(2 / (k * k * out_channels)) (the WRN/DenseNet CIFAR
 *   code; kaiming_normal_(mode='fan_out') in torchvision's ResNet); dense kernels U(-1/sqrt(fan_in),
 *   1/sqrt(fan_in)) (PyTorch's nn.Linear default); biases zero; batch norm gamma 1, beta 0,
 *   momentum 0.9 in tfjs terms (= PyTorch's 0.1), epsilon 1e-5.
 * - Padding follows PyTorch: a conv takes a symmetric zero padding in pixels. Where that equals
 *   tfjs's 'same' (stride 1, odd kernel) it is 'same'; otherwise an explicit ZeroPadding2D layer
 *   and a 'valid' conv. (tfjs's 'same' at stride 2 pads bottom/right only, which shifts the
 *   sampled grid by a pixel against PyTorch and against a 1x1 strided shortcut.)
 */
export class NetworkBuilder {
  readonly input: tf.SymbolicTensor;
  private readonly usedNames = new Set<string>();

  constructor(readonly spec: ModelSpec) {
    this.input = tf.input({ shape: [...spec.inputShape], name: this.claim('input') });
  }

  conv2d(name: string, x: tf.SymbolicTensor, options: ConvOptions): tf.SymbolicTensor {
    const { filters, kernelSize, strides = 1, padding, useBias, activation } = options;
    let padded = x;
    let tfPadding: 'same' | 'valid' = 'valid';
    if (padding > 0) {
      if (strides === 1 && kernelSize % 2 === 1 && padding === (kernelSize - 1) / 2) tfPadding = 'same';
      else padded = this.apply(tf.layers.zeroPadding2d({ padding, name: this.claim(`${name}_pad`) }), x);
    }
    const fanOut = kernelSize * kernelSize * filters;
    const layer = tf.layers.conv2d({
      name: this.claim(name),
      filters,
      kernelSize,
      strides,
      padding: tfPadding,
      useBias,
      activation,
      kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / fanOut), seed: this.seedFor(name) }),
      biasInitializer: 'zeros',
    });
    return this.apply(layer, padded);
  }

  /** A dense layer; useBias false where a batch norm follows (its beta is the bias). */
  dense(name: string, x: tf.SymbolicTensor, units: number, activation?: 'relu', useBias = true): tf.SymbolicTensor {
    return this.apply(this.denseLayer(name, units, activation, useBias), x);
  }

  batchNorm(name: string, x: tf.SymbolicTensor): tf.SymbolicTensor {
    return this.apply(new BatchNormalization({ name: this.claim(name), axis: -1, momentum: 0.9, epsilon: 1e-5 }), x);
  }

  relu(name: string, x: tf.SymbolicTensor): tf.SymbolicTensor {
    return this.apply(tf.layers.activation({ name: this.claim(name), activation: 'relu' }), x);
  }

  /** Batch norm then ReLU, the pair every pre-activation block opens with. */
  batchNormRelu(name: string, x: tf.SymbolicTensor): tf.SymbolicTensor {
    return this.relu(`${name}_relu`, this.batchNorm(`${name}_bn`, x));
  }

  /** Max pooling, window = stride = size, no padding (PyTorch's F.max_pool2d(x, size)). */
  maxPool(name: string, x: tf.SymbolicTensor, size: number): tf.SymbolicTensor {
    return this.apply(tf.layers.maxPooling2d({ name: this.claim(name), poolSize: size, strides: size, padding: 'valid' }), x);
  }

  /** Average pooling, window = stride = size, no padding (PyTorch's F.avg_pool2d(x, size)). */
  avgPool(name: string, x: tf.SymbolicTensor, size: number): tf.SymbolicTensor {
    return this.apply(tf.layers.averagePooling2d({ name: this.claim(name), poolSize: size, strides: size, padding: 'valid' }), x);
  }

  /**
   * The mean over all positions. The CIFAR code writes avg_pool2d(x, 8) or (x, 4), which is this
   * on 32x32 inputs; a global pool also serves other input sizes.
   */
  globalAvgPool(name: string, x: tf.SymbolicTensor): tf.SymbolicTensor {
    return this.apply(tf.layers.globalAveragePooling2d({ name: this.claim(name) }), x);
  }

  flatten(name: string, x: tf.SymbolicTensor): tf.SymbolicTensor {
    return this.apply(tf.layers.flatten({ name: this.claim(name) }), x);
  }

  add(name: string, a: tf.SymbolicTensor, b: tf.SymbolicTensor): tf.SymbolicTensor {
    return this.apply(tf.layers.add({ name: this.claim(name) }), [a, b]);
  }

  /** Concatenates along channels, in the order given (PyTorch's torch.cat([a, b], 1)). */
  concat(name: string, a: tf.SymbolicTensor, b: tf.SymbolicTensor): tf.SymbolicTensor {
    return this.apply(tf.layers.concatenate({ name: this.claim(name), axis: -1 }), [a, b]);
  }

  /** Seeded dropout (see SeededDropout); with rate 0 no layer is added at all. */
  dropout(name: string, x: tf.SymbolicTensor, rate: number): tf.SymbolicTensor {
    if (rate === 0) return x;
    return this.apply(new SeededDropout({ name: this.claim(name), rate, seed: this.seedFor(name) }), x);
  }

  /**
   * Adds the logits layer on the penultimate features and makes the model, outputs
   * [logits, features] as types.ts promises.
   */
  finish(features: tf.SymbolicTensor): tf.LayersModel {
    const logits = this.apply(this.denseLayer(LOGITS_LAYER, this.spec.numClasses), features);
    return tf.model({ inputs: this.input, outputs: [logits, features], name: this.spec.arch });
  }

  private denseLayer(name: string, units: number, activation?: 'relu', useBias = true): tf.layers.Layer {
    return tf.layers.dense({
      name: this.claim(name),
      units,
      activation,
      useBias,
      // U(-1/sqrt(fan_in), 1/sqrt(fan_in)): limit sqrt(3 * scale / fan_in) with scale 1/3.
      kernelInitializer: tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed: this.seedFor(name) }),
      biasInitializer: 'zeros',
    });
  }

  private seedFor(layerName: string): number {
    return seedForLayer(this.spec.seed, layerName);
  }

  private claim(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`layer name '${name}' used twice in ${this.spec.arch}`);
    this.usedNames.add(name);
    return name;
  }

  /** Applies a layer to symbolic inputs, and rejects an input too small for the architecture. */
  private apply(layer: tf.layers.Layer, inputs: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
    // apply() on symbolic tensors returns one symbolic tensor for every layer used here.
    const output = layer.apply(inputs) as tf.SymbolicTensor;
    this.requireNonEmpty(layer.name, output.shape);
    return output;
  }

  private requireNonEmpty(layerName: string, shape: readonly (number | null)[]): void {
    if (shape.slice(1).every((d) => d === null || d > 0)) return;
    const given = this.spec.inputShape.join('x');
    throw new UserInputError(
      `input shape ${given} is too small for ${this.spec.arch}: layer '${layerName}' would get an empty feature map`,
      given,
      `larger height and width for ${this.spec.arch}`,
    );
  }
}

export interface ConvOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** Zero padding in pixels on every side, as PyTorch's Conv2d(padding=...). */
  padding: number;
  useBias: boolean;
  activation?: 'relu';
}
