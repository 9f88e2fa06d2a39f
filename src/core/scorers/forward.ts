import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { LOGITS_LAYER } from '../models/types';
import type { IdTrainingData, LastLayer, ScorerOutputs } from './types';

/**
 * Runs the model in inference mode (dropout off, batch-norm on its moving statistics) and returns
 * its two outputs (see models/types.ts): logits [N, k] and penultimate features [N, d]. The caller
 * owns both tensors (call inside tf.tidy). Works under tf.grad, so ODIN can differentiate it.
 */
export function forwardLogitsAndFeatures(model: tf.LayersModel, images: tf.Tensor4D): { logits: tf.Tensor2D; features: tf.Tensor2D } {
  const outputs = model.apply(images, { training: false });
  if (!Array.isArray(outputs) || outputs.length !== 2) {
    throw new UserInputError(
      `model '${model.name}' has ${Array.isArray(outputs) ? outputs.length : 1} output(s): expected two, [logits, penultimate features]`,
      model.name,
      'outputs [logits, features]',
    );
  }
  // apply() on a concrete tensor returns tensors (symbolic ones only for symbolic inputs).
  const [logits, features] = outputs as tf.Tensor[];
  return { logits: logits as tf.Tensor2D, features: features as tf.Tensor2D };
}

/**
 * The logits layer's kernel [d, k] and bias [k] (zeros when the layer has none). These are the
 * layer's own variables, not copies: never dispose them. The layer must be a linear Dense layer,
 * since GradNorm and ReAct recompute logits = features . kernel + bias.
 */
export function logitsLayerWeights(model: tf.LayersModel): { kernel: tf.Tensor2D; bias: tf.Tensor1D | undefined } {
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(LOGITS_LAYER);
  } catch {
    throw new UserInputError(`model '${model.name}' has no layer named '${LOGITS_LAYER}': expected the logits Dense layer`, model.name, LOGITS_LAYER);
  }
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  if (layer.getClassName() !== 'Dense' || (activation !== undefined && activation !== 'linear')) {
    throw new UserInputError(
      `layer '${LOGITS_LAYER}' of model '${model.name}' is ${layer.getClassName()} with activation ${String(activation)}: expected a linear Dense layer`,
      LOGITS_LAYER,
      'Dense, linear',
    );
  }
  const [kernel, bias] = layer.getWeights();
  return { kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D | undefined };
}

/** Penultimate features of a pass over ID training data, with the labels: row-major [count, dim]. */
export interface FeatureSample {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly dim: number;
}

/** Pulls the penultimate features of every batch of `data`, one batch in memory at a time. */
export async function collectFeatures(model: tf.LayersModel, data: IdTrainingData): Promise<FeatureSample> {
  const chunks: Float32Array[] = [];
  const labelChunks: Int32Array[] = [];
  let dim = -1;
  let count = 0;
  for await (const batch of data.batches()) {
    const features = tf.tidy(() => forwardLogitsAndFeatures(model, batch.images).features);
    const [rows, width] = features.shape;
    const values = (await features.data()) as Float32Array;
    features.dispose();
    if (batch.labels.length !== rows) {
      throw new UserInputError(`a training batch has ${rows} images but ${batch.labels.length} labels`, String(batch.labels.length), String(rows));
    }
    if (dim === -1) dim = width;
    chunks.push(values);
    labelChunks.push(batch.labels.slice());
    count += rows;
  }
  if (count === 0) throw new UserInputError('the ID training data yielded no images: expected at least one batch', 'idTrain', '>= 1 image');
  const features = new Float32Array(count * dim);
  const labels = new Int32Array(count);
  let offset = 0;
  for (let c = 0; c < chunks.length; c++) {
    features.set(chunks[c], offset * dim);
    labels.set(labelChunks[c], offset);
    offset += labelChunks[c].length;
  }
  return { features, labels, count, dim };
}

/** Runs `compute` in tf.tidy and returns its [N] result as a fresh Float32Array, leaving no tensor behind. */
export function scoresOf(compute: () => tf.Tensor): Float32Array {
  const result = tf.tidy(compute);
  try {
    return new Float32Array(result.dataSync());
  } finally {
    result.dispose();
  }
}

/**
 * A tfjs model's outputs for a batch, as the scorers' outputs-only path reads them; the last
 * layer's weights only when asked for (they are the layer's own variables: never dispose them).
 * Call inside tf.tidy.
 */
export function modelScorerOutputs(model: tf.LayersModel, images: tf.Tensor4D, withLastLayer = false): ScorerOutputs {
  const { logits, features } = forwardLogitsAndFeatures(model, images);
  return withLastLayer ? { logits, features, lastLayer: logitsLayerWeights(model) } : { logits, features };
}

/** The features of `outputs`, or an error naming the scorer that needed them. */
export function requireFeatures(outputs: ScorerOutputs, scorer: string): tf.Tensor2D {
  if (!outputs.features) throw new UserInputError(`scorer '${scorer}' needs the penultimate features, which this model does not give`, scorer, 'features');
  return outputs.features;
}

/** The final layer of `outputs`, or an error naming the scorer that needed it. */
export function requireLastLayer(outputs: ScorerOutputs, scorer: string): LastLayer {
  if (!outputs.lastLayer) throw new UserInputError(`scorer '${scorer}' needs the final linear layer's weights, which this model does not give`, scorer, 'last layer');
  return outputs.lastLayer;
}
