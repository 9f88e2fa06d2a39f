import * as tf from '@tensorflow/tfjs';
import type { ImageSet, Normalization } from '../data/types';
import { toTensor } from '../data';

/** The two outputs of every model (see models/types.ts). */
export function forward(model: tf.LayersModel, x: tf.Tensor4D, training: boolean): { logits: tf.Tensor2D; features: tf.Tensor2D } {
  const out = model.apply(x, { training }) as tf.Tensor[];
  return { logits: out[0] as tf.Tensor2D, features: out[1] as tf.Tensor2D };
}

export interface LogitSummary {
  count: number;
  /** Mean L2 norm of the raw logits. */
  meanLogitNorm: number;
  /** Fraction of argmax(logits) == label over images with a label (>= 0); NaN when none has one. */
  accuracy: number;
}

/**
 * Lets the event loop run (signal handlers, timers, I/O). tfjs's data() on the wasm and cpu
 * backends resolves as a microtask, so a loop that only awaits it never lets SIGTERM through.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Indices 0..n-1, or the first `limit` of them. */
export function firstIndices(n: number, limit = n): Int32Array {
  const m = Math.min(n, limit);
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) out[i] = i;
  return out;
}

/**
 * Runs the model in inference mode over `indices` of a set, batch by batch, and returns the mean
 * logit norm and the accuracy. Reads back two numbers a batch, keeps no tensor.
 */
export async function summariseLogits(model: tf.LayersModel, set: ImageSet, indices: ArrayLike<number>, norm: Normalization, batchSize = 256): Promise<LogitSummary> {
  let normSum = 0;
  let correct = 0;
  let labelled = 0;
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, indices.length - start) }, (_, i) => indices[start + i]);
    const [norms, predictions] = tf.tidy(() => {
      const { logits } = forward(model, toTensor(set, batch, norm), false);
      return [tf.sum(tf.sqrt(tf.sum(tf.square(logits), 1))), tf.argMax(logits, 1)];
    });
    normSum += (await norms.data())[0];
    const predicted = await predictions.data();
    norms.dispose();
    predictions.dispose();
    for (let i = 0; i < batch.length; i++) {
      const label = set.labels[batch[i]];
      if (label >= 0) {
        labelled++;
        if (predicted[i] === label) correct++;
      }
    }
  }
  return { count: indices.length, meanLogitNorm: indices.length ? normSum / indices.length : NaN, accuracy: labelled ? correct / labelled : NaN };
}
