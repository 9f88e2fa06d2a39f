/**
 * A training step whose batch does not fit the backend's memory, done in micro-batches with the
 * gradients accumulated.
 *
 * The batch is cut into micro-batches of near-equal size; each is a forward and backward pass of
 * its own, and the step's loss and gradients are the micro-batches' means weighted by their sizes,
 * which is the mean over the whole batch. For a network without batch norm (and without dropout)
 * the update is the full-batch update up to float rounding.
 *
 * Batch norm: each micro-batch is normalised with its own mean and variance in training (as in
 * PyTorch with gradient accumulation, or data-parallel training without SyncBatchNorm), so the
 * gradients of a batch-norm network are those of a network trained at the micro-batch size. The
 * moving averages are kept as one update per step: every micro-batch starts from the step's
 * moving statistics, and at the end they are set to momentum * old + (1 - momentum) * (the mean
 * and the biased variance of the whole batch's batch-norm inputs), put together from the
 * micro-batches' means and variances (variance = mean of the variances + variance of the means).
 * That is exactly what one full-batch pass would write for the same batch-norm inputs; deeper
 * layers' inputs differ from a full-batch pass's, because the layers before them normalised per
 * micro-batch.
 *
 * Dropout: every micro-batch draws masks of its own (seededDropout.ts, setDropoutPart).
 */
import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { gib, type MemoryBudget } from '../backend/memoryLimit';
import { largestFitting, measurePeakBytes, peakAt, type PeakBytes } from '../backend/memoryPlan';
import { setDropoutPart } from '../models/seededDropout';
import { shardSizes } from './dataParallel';
import type { ShardResult } from './shardGradients';

/** One micro-batch's forward and backward pass (shardGradients, or a data-parallel step). */
export type ComputeShard = (x: tf.Tensor4D, y: tf.Tensor1D) => ShardResult | Promise<ShardResult>;

/** The moving statistics of one batch-norm layer. */
interface MovingStatistics {
  layer: string;
  mean: tf.LayerVariable;
  variance: tf.LayerVariable;
  momentum: number;
}

/** The moving mean and variance of every batch-norm layer of `model`. */
export function movingStatistics(model: tf.LayersModel): MovingStatistics[] {
  const found: MovingStatistics[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const weights = layer.nonTrainableWeights;
    // originalName: `name` gets a suffix (_1, _2) when another model of the process has the same layer.
    const mean = weights.find((w) => /moving_mean$/.test(w.originalName));
    const variance = weights.find((w) => /moving_variance$/.test(w.originalName));
    if (!mean || !variance) throw new Error(`batch-norm layer ${layer.name} has no moving mean and variance`);
    found.push({ layer: layer.name, mean, variance, momentum: Number(layer.getConfig().momentum) });
  }
  return found;
}

/** Copies of the moving statistics, to put back with restoreStatistics. */
export function snapshotStatistics(stats: MovingStatistics[]): tf.Tensor[][] {
  return stats.map((s) => [tf.clone(s.mean.read()), tf.clone(s.variance.read())]);
}

export function restoreStatistics(stats: MovingStatistics[], snapshot: tf.Tensor[][]): void {
  stats.forEach((s, i) => {
    s.mean.write(tf.clone(snapshot[i][0]));
    s.variance.write(tf.clone(snapshot[i][1]));
  });
}

/** Sizes of the micro-batches of a batch of `n` at most `microBatch` each, near-equal, larger first. */
export function microBatchSizes(n: number, microBatch: number): number[] {
  return shardSizes(n, Math.ceil(n / Math.max(1, microBatch)));
}

/**
 * One step's loss, gradients and counts on the batch (x, y): in one piece when it is no larger
 * than `microBatch`, else in micro-batches of at most `microBatch` with the gradients accumulated.
 */
export async function stepGradients(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D, microBatch: number, compute: ComputeShard): Promise<ShardResult> {
  const sizes = microBatchSizes(x.shape[0], microBatch);
  return sizes.length > 1 ? accumulateMicroBatches(model, x, y, sizes, compute) : compute(x, y);
}

/**
 * The loss, gradients and counts of the batch (x, y) computed in micro-batches of `sizes`
 * (summing to the batch). Returns what `compute` would return for the whole batch; the caller
 * disposes it. x and y stay the caller's.
 */
export async function accumulateMicroBatches(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D, sizes: readonly number[], compute: ComputeShard): Promise<ShardResult> {
  const n = x.shape[0];
  if (sizes.reduce((a, b) => a + b, 0) !== n) throw new Error(`micro-batch sizes ${sizes.join('+')} do not add up to the batch of ${n}`);
  const [h, w, c] = x.shape.slice(1) as [number, number, number];
  const stats = movingStatistics(model);
  const start = snapshotStatistics(stats);
  /** Each layer's moving mean and variance after each micro-batch (each from `start`): [mean0, var0, mean1, var1, ...]. */
  const after: tf.Tensor[][] = stats.map(() => []);
  let value: tf.Tensor | undefined;
  let correct: tf.Tensor | undefined;
  let normSum: tf.Tensor | undefined;
  let grads: Record<string, tf.Tensor> | undefined;
  const accumulate = (sum: tf.Tensor | undefined, next: tf.Tensor, weight?: number): tf.Tensor => {
    const added = tf.tidy(() => {
      const term = weight === undefined ? next : tf.mul(next, tf.scalar(weight));
      return sum === undefined ? (term === next ? tf.clone(next) : term) : tf.add(sum, term);
    });
    sum?.dispose();
    return added;
  };
  try {
    let offset = 0;
    for (let part = 0; part < sizes.length; part++) {
      const size = sizes[part];
      if (part > 0) restoreStatistics(stats, start);
      setDropoutPart(part);
      const xs = tf.slice(x, [offset, 0, 0, 0], [size, h, w, c]);
      const ys = tf.slice(y, [offset], [size]);
      offset += size;
      let result: ShardResult;
      try {
        result = await compute(xs, ys);
      } finally {
        tf.dispose([xs, ys]);
      }
      const weight = size / n;
      value = accumulate(value, result.value, weight);
      correct = accumulate(correct, result.correct);
      normSum = accumulate(normSum, result.normSum);
      const summed: Record<string, tf.Tensor> = {};
      for (const [name, g] of Object.entries(result.grads)) summed[name] = accumulate(grads?.[name], g, weight);
      grads = summed;
      tf.dispose([result.value, result.correct, result.normSum, result.grads]);
      stats.forEach((s, i) => after[i].push(tf.clone(s.mean.read()), tf.clone(s.variance.read())));
    }
    combineStatistics(stats, after, sizes.map((s) => s / n));
    return { value: value as tf.Scalar, grads: grads ?? {}, correct: correct as tf.Scalar, normSum: normSum as tf.Scalar };
  } catch (e) {
    tf.dispose([value, correct, normSum, grads ?? {}]);
    restoreStatistics(stats, start);
    throw e;
  } finally {
    setDropoutPart(0);
    tf.dispose([start, after]);
  }
}

/**
 * Sets each layer's moving statistics from those after each micro-batch (each started from the
 * step's): mean = sum_j w_j mean_j; variance = sum_j w_j var_j + sum_j w_j (mean_j - mean)^2 / (1 - momentum),
 * which is momentum * old + (1 - momentum) * the whole batch's mean and biased variance.
 */
function combineStatistics(stats: MovingStatistics[], after: tf.Tensor[][], weights: number[]): void {
  stats.forEach((s, i) => {
    const [mean, variance] = tf.tidy(() => {
      const means = weights.map((_, j) => after[i][2 * j]);
      const variances = weights.map((_, j) => after[i][2 * j + 1]);
      const weightedSum = (ts: tf.Tensor[]) => tf.addN(ts.map((t, j) => tf.mul(t, tf.scalar(weights[j]))));
      const m = weightedSum(means);
      const withinVariance = weightedSum(variances);
      const decay = 1 - s.momentum;
      if (!(decay > 0)) return [m, withinVariance];
      const between = weightedSum(means.map((mj) => tf.square(tf.sub(mj, m))));
      return [m, tf.add(withinVariance, tf.div(between, tf.scalar(decay)))];
    });
    s.mean.write(mean);
    s.variance.write(variance);
    tf.dispose([mean, variance]);
  });
}

export interface StepMemoryPlan {
  /** What the probe measured. */
  peak: PeakBytes;
  /** The largest micro-batch a step uses (the batch size when it is not split). */
  microBatch: number;
  /** Planned peak bytes of a full step at that micro-batch. */
  peakBytes: number;
  /** Planned peak bytes of the step in one piece. */
  wholeBatchBytes: number;
  /** One line for the log. */
  summary: string;
}

export interface StepMemoryInput {
  /** Measured by measurePeakBytes on one forward and backward pass of 1 and 2 images. */
  peak: PeakBytes;
  budget: MemoryBudget;
  batchSize: number;
  /** Bytes of the trainable parameters (the size of the gradients, of the momentum buffers, of an accumulated gradient). */
  parameterBytes: number;
  /** Optimizer state the first step will allocate (momentum buffers), not yet alive in the probe. */
  pendingOptimizerBytes: number;
  /** Bytes of one input image as a float32 tensor. */
  imageBytes: number;
  /** The user's --micro-batch (largest micro-batch to use), if given. */
  requested?: number;
  backend: string;
  arch: string;
  imageShape: readonly number[];
}

/**
 * The micro-batch a training step uses: the whole batch when it fits the budget, otherwise the
 * largest micro-batch that does (or the user's --micro-batch, when it fits). A UserInputError,
 * one line naming the batch, the backend and the largest batch that fits, when the user's choice
 * does not fit or not even one image does.
 */
export function planStepMemory(input: StepMemoryInput): StepMemoryPlan {
  const { peak, budget, batchSize, parameterBytes, pendingOptimizerBytes, imageBytes, requested, backend, arch } = input;
  const shape = input.imageShape.join('x');
  /** Bytes the probe did not see: the momentum buffers, the accumulated gradient when split, the rest of the batch's images. */
  const extra = (micro: number) => pendingOptimizerBytes + (micro < batchSize ? parameterBytes : 0) + (batchSize - micro) * imageBytes;
  const bytesAt = (micro: number) => peakAt(peak, micro, extra(micro));
  const wholeBatchBytes = bytesAt(batchSize);
  const wholeFits = wholeBatchBytes <= budget.bytes;
  const largestSplit = largestFitting(peak, budget.bytes, Math.max(1, batchSize - 1), pendingOptimizerBytes + parameterBytes + batchSize * imageBytes);
  const largest = wholeFits ? batchSize : largestSplit;
  const facts = `${gib(peak.perExampleBytes)} an image, ${gib(peak.fixedBytes + pendingOptimizerBytes)} for the weights, gradients and optimizer state`;
  const budgetText = `its budget is ${gib(budget.bytes)} (${budget.what})`;
  if (largest === 0) {
    throw new UserInputError(
      `${arch} on ${shape} images does not fit the ${backend} backend even one image at a time (${facts}; ${budgetText}); use the native backend (--backend tensorflow) or a smaller network`,
      `--arch ${arch} --backend ${backend}`,
      'a network that fits the backend',
    );
  }
  if (requested !== undefined) {
    const micro = Math.min(requested, batchSize);
    const bytes = bytesAt(micro);
    if (bytes > budget.bytes) {
      const asked = micro === batchSize ? `${arch} at batch ${batchSize}` : `${arch} at batch ${batchSize} in micro-batches of ${micro}`;
      throw new UserInputError(
        `${asked} on ${shape} images needs about ${gib(bytes)} on the ${backend} backend (${facts}); ${budgetText}: ` +
          `the largest ${micro === batchSize ? 'batch' : 'micro-batch'} that fits is ${largest}; ` +
          (micro === batchSize ? 'leave out --micro-batch to split each batch into micro-batches that fit' : `use --micro-batch ${largest} or less`),
        `--micro-batch ${requested}`,
        `a micro-batch of at most ${largest}`,
      );
    }
    return plan(micro);
  }
  return plan(largest);

  function plan(microBatch: number): StepMemoryPlan {
    const split = microBatch < batchSize;
    const sizes = microBatchSizes(batchSize, microBatch);
    const peakBytes = bytesAt(sizes[0]);
    const summary =
      `memory: ${arch} at batch ${batchSize} on ${shape} needs about ${gib(wholeBatchBytes)} on the ${backend} backend (${facts}); ${budgetText}` +
      (split
        ? `; each batch is split into ${sizes.length} micro-batches of ${sizes[0]} (about ${gib(peakBytes)}), gradients accumulated over the whole batch` +
          (requested !== undefined ? ' (--micro-batch)' : '')
        : '');
    return { peak, microBatch, peakBytes, wholeBatchBytes, summary };
  }
}

/**
 * Measures a training step of `model` on this backend (one forward and backward pass of 1 and 2
 * images made by `batchOf`, under tf.profile; the batch-norm statistics are put back after) and
 * plans its micro-batches against the backend's budget.
 */
export async function planTrainingMemory(
  model: tf.LayersModel,
  batchOf: (n: number) => { x: tf.Tensor4D; y: tf.Tensor1D },
  compute: ComputeShard,
  input: Omit<StepMemoryInput, 'peak' | 'imageBytes' | 'parameterBytes'> & { parameterBytes?: number },
): Promise<StepMemoryPlan> {
  const stats = movingStatistics(model);
  const saved = snapshotStatistics(stats);
  let peak: PeakBytes;
  try {
    peak = await measurePeakBytes(async (n) => {
      const { x, y } = batchOf(n);
      try {
        const r = await compute(x, y);
        tf.dispose([r.value, r.grads, r.correct, r.normSum]);
      } finally {
        tf.dispose([x, y]);
      }
    });
  } finally {
    restoreStatistics(stats, saved);
    tf.dispose(saved);
  }
  const imageBytes = 4 * input.imageShape.reduce((a, b) => a * b, 1);
  const parameterBytes = input.parameterBytes ?? 4 * model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);
  return planStepMemory({ ...input, peak, imageBytes, parameterBytes });
}
