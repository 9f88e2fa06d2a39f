/**
 * Data-parallel training steps over worker_threads, for backends that compute on one thread
 * (wasm under Node, cpu). The batch is cut into one shard per thread: the main thread computes
 * the first shard while each worker computes another on its own copy of the model (weights sent
 * with the request), and the shards' mean losses and gradients are averaged, weighted by shard
 * size. The main thread keeps the only optimizer, so the weights are the same everywhere after
 * every step.
 *
 * For a network without batch norm, a data-parallel step equals a single-process step on the
 * whole batch up to float rounding (the loss is a mean over images). With batch norm each
 * shard is normalised with its own statistics and the moving averages follow the main thread's
 * shard, as in PyTorch's DistributedDataParallel without SyncBatchNorm. Dropout masks differ
 * from a single-process run's (each shard draws its own).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { LossEntry, LossOptions } from '../losses';
import type { ModelSpec } from '../models/types';
import { shardGradients, type ShardResult } from './shardGradients';

export type WorkerRequest =
  | { type: 'init'; backend: string; spec: ModelSpec; loss: string; lossOptions: LossOptions }
  | { type: 'step'; weights: Float32Array[]; x: Float32Array; xShape: [number, number, number, number]; y: Int32Array; dropoutStep: number };

export type WorkerReply =
  | { type: 'ready'; backend: string }
  | { type: 'grads'; value: number; correct: number; normSum: number; grads: Float32Array[] }
  | { type: 'error'; message: string };

/** The worker's entry: the bundle beside this one (dist/), or the TypeScript source under tsx. */
function workerEntry(): string {
  const candidates = [path.join(__dirname, 'gradientWorker.js'), path.join(__dirname, 'gradientWorker.ts')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`the data-parallel worker is missing (looked for ${candidates.join(', ')}); rebuild with npm run build`);
  return found;
}

class GradientWorker {
  private pending: { resolve(r: WorkerReply): void; reject(e: Error): void } | undefined;
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply.type === 'error' ? new Error(`data-parallel worker: ${reply.message}`) : reply));
    worker.on('error', (e) => this.settle(e));
    worker.on('exit', (code) => this.settle(new Error(`data-parallel worker exited (code ${code})`)));
  }

  private settle(outcome: WorkerReply | Error): void {
    const pending = this.pending;
    this.pending = undefined;
    if (outcome instanceof Error) {
      this.failure ??= outcome;
      pending?.reject(outcome);
    } else {
      pending?.resolve(outcome);
    }
  }

  request(message: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('data-parallel worker is busy'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Sizes of `parts` shards of `n` images, the larger ones first (64+64, 65+64, ...). */
export function shardSizes(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

export class DataParallelSteps {
  private constructor(
    private readonly workers: GradientWorker[],
    private readonly loss: LossEntry,
    private readonly lossOptions: LossOptions,
  ) {}

  /**
   * Starts `threads - 1` workers (the main thread is the first), each building `spec` on
   * `backend` with the loss named `lossName`. The workers' initial weights do not matter: every
   * step sends the current ones.
   */
  static async start(threads: number, backend: string, spec: ModelSpec, lossName: string, loss: LossEntry, lossOptions: LossOptions): Promise<DataParallelSteps> {
    const entry = workerEntry();
    const workers: GradientWorker[] = [];
    try {
      for (let i = 1; i < threads; i++) {
        // The TypeScript entry exists only when running from source (tests, tsx): a worker's main
        // file skips the --import hooks, so a small CommonJS shim registers tsx and requires it.
        const worker = entry.endsWith('.ts')
          ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, { eval: true })
          : new Worker(entry);
        const w = new GradientWorker(worker);
        workers.push(w);
        const reply = await w.request({ type: 'init', backend, spec, loss: lossName, lossOptions });
        if (reply.type !== 'ready') throw new Error(`data-parallel worker answered ${reply.type} to init`);
      }
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new DataParallelSteps(workers, loss, lossOptions);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * One step's loss and gradients on the whole batch, computed in shards. The result's tensors
   * live on the main thread's backend; the caller disposes them.
   */
  async compute(model: tf.LayersModel, variables: tf.Variable[], x: tf.Tensor4D, y: tf.Tensor1D, dropoutStep: number): Promise<ShardResult> {
    const n = x.shape[0];
    const sizes = shardSizes(n, this.threads).filter((s) => s > 0);
    const [h, w, c] = x.shape.slice(1) as [number, number, number];
    const imageSize = h * w * c;
    // Requests first, so the workers compute while the main thread does its own shard.
    const xValues = sizes.length > 1 ? ((await x.data()) as Float32Array) : new Float32Array(0);
    const yValues = sizes.length > 1 ? ((await y.data()) as Int32Array) : new Int32Array(0);
    const weights = sizes.length > 1 ? await Promise.all(variables.map(async (v) => ((await v.data()) as Float32Array).slice())) : [];
    const replies: Promise<WorkerReply>[] = [];
    let start = sizes[0];
    for (let k = 1; k < sizes.length; k++) {
      const end = start + sizes[k];
      const shardX = xValues.slice(start * imageSize, end * imageSize);
      const shardY = yValues.slice(start, end);
      const copies = k === 1 ? weights : weights.map((a) => a.slice());
      replies.push(this.workers[k - 1].request(
        { type: 'step', weights: copies, x: shardX, xShape: [sizes[k], h, w, c], y: shardY, dropoutStep },
        [shardX.buffer as ArrayBuffer, shardY.buffer as ArrayBuffer, ...copies.map((a) => a.buffer as ArrayBuffer)],
      ));
      start = end;
    }
    const mine = tf.tidy(() => {
      const xs = sizes.length > 1 ? tf.slice(x, [0, 0, 0, 0], [sizes[0], h, w, c]) : x;
      const ys = sizes.length > 1 ? tf.slice(y, [0], [sizes[0]]) : y;
      const r = shardGradients(model, variables, xs, ys, this.loss, this.lossOptions);
      return { value: r.value, grads: r.grads, correct: r.correct, normSum: r.normSum };
    });
    const others = await Promise.all(replies);
    if (others.length === 0) return mine;
    return tf.tidy(() => {
      const weightOf = (k: number) => sizes[k] / n;
      let value: tf.Tensor = tf.mul(mine.value, weightOf(0));
      let correct: tf.Tensor = mine.correct;
      let normSum: tf.Tensor = mine.normSum;
      const grads: Record<string, tf.Tensor> = {};
      for (const v of variables) grads[v.name] = tf.mul(mine.grads[v.name], weightOf(0));
      others.forEach((reply, j) => {
        if (reply.type !== 'grads') throw new Error(`data-parallel worker answered ${reply.type} to a step`);
        const k = j + 1;
        value = tf.add(value, reply.value * weightOf(k));
        correct = tf.add(correct, reply.correct);
        normSum = tf.add(normSum, reply.normSum);
        variables.forEach((v, i) => {
          grads[v.name] = tf.add(grads[v.name], tf.mul(tf.tensor(reply.grads[i], v.shape), weightOf(k)));
        });
      });
      tf.dispose([mine.value, mine.correct, mine.normSum, mine.grads]);
      return { value: value as tf.Scalar, grads, correct: correct as tf.Scalar, normSum: normSum as tf.Scalar };
    });
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
