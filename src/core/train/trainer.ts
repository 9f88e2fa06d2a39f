import * as tf from '@tensorflow/tfjs';
import type { WorkerEvent } from '../../protocol';
import type { EpochStats } from '../runs/history';
import { UserInputError } from '../errors';
import { DATASETS, knownOodSetNames, labelsTensor, toTensor } from '../data';
import * as fs from 'node:fs';
import { lookup } from '../errors';
import { MODELS } from '../models/registry';
import { getLoss } from '../losses';
import { buildModel } from '../models/registry';
import { setDropoutStep } from '../models/seededDropout';
import { loadModelFromDir, modelToFiles, readTensorFiles, tensorsToFiles } from '../runs/checkpoint';
import type { Run } from '../runs/runStore';
import type { TrainConfig } from './config';
import { prepareData } from './runData';
import { explainMemoryFailure, memoryBudget } from '../backend/memoryLimit';
import { movingStatistics, planTrainingMemory, stepGradients } from './microBatches';

export { prepareData, prepareIdData, type IdData, type PreparedData } from './runData';
import { firstIndices, summariseLogits, yieldToEventLoop } from './forward';
import { shortRunWarning } from './recipe';
import { epochBatches, runAugmentation } from './epochBatches';
import { parseSchedule } from './schedule';
import { Sgd } from './sgd';
import { DataParallelSteps } from './dataParallel';
import { shardGradients, type ShardResult } from './shardGradients';

/** A worker event before the protocol version is stamped on it. */
export type EventBody = WorkerEvent extends infer E ? (E extends WorkerEvent ? Omit<E, 'v'> : never) : never;

export interface TrainHooks {
  onEvent?(event: EventBody): void;
  /** Asked between batches; true stops the run, marked cancelled, at the last complete epoch. */
  shouldStop?(): boolean;
  log?(message: string): void;
}

export interface TrainContext {
  cacheDir?: string;
  backend: { name: string; reason: string };
  hooks?: TrainHooks;
}

/** Thrown when the loss stops being a finite number; the run is marked failed. */
export class TrainingDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

/**
 * When the logit norm has run away: above RUNAWAY_ABSOLUTE at any time (healthy classifiers sit
 * around 1..50), or above RUNAWAY_NORM and RUNAWAY_GROWTH times its first epoch's value (epoch 1
 * itself: times the untrained network's, on the run's first training batch).
 */
export const RUNAWAY_NORM = 100;
export const RUNAWAY_GROWTH = 10;
export const RUNAWAY_ABSOLUTE = 1e4;

/**
 * Checks the names of a config (dataset, architecture, OOD probe) without loading anything, so a
 * typo fails before a run folder is made.
 */
export function checkTrainNames(config: TrainConfig): void {
  const isFolder = (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory();
  if (!Object.prototype.hasOwnProperty.call(DATASETS, config.dataset) && !isFolder(config.dataset)) {
    const known = Object.keys(DATASETS).join(', ');
    throw new UserInputError(`unknown dataset '${config.dataset}': expected one of ${known}, or a folder of images (one sub-folder per class)`, config.dataset, known);
  }
  lookup(MODELS, config.arch, 'architecture');
  if (!knownOodSetNames().includes(config.oodProbe) && !isFolder(config.oodProbe)) {
    throw new UserInputError(`unknown OOD probe set '${config.oodProbe}': expected one of ${knownOodSetNames().join(', ')}, or a folder of images`, config.oodProbe, knownOodSetNames().join(', '));
  }
}

/**
 * Trains (or resumes) a run: one history line, one checkpoint and one `epoch` event per epoch.
 * Returns 'done' or 'cancelled'; throws TrainingDivergedError on a non-finite loss (the last good
 * checkpoint stays on disk) and UserInputError for bad input.
 */
export async function train(run: Run<TrainConfig>, context: TrainContext): Promise<'done' | 'cancelled'> {
  const seen: { imageShape?: number[]; microBatch?: number } = {};
  try {
    return await trainOrThrow(run, context, seen);
  } catch (e) {
    // A step too big for the WebAssembly heap is the user's batch size, said so, not a crash.
    const config = run.record.config;
    const error = explainMemoryFailure(e, { backend: context.backend.name, arch: config.arch, batchSize: config.batchSize, imageShape: seen.imageShape ?? [], microBatch: seen.microBatch }) ?? e;
    // Whatever stopped the run, run.json says so; the checkpoints already written stay.
    run.update({ status: 'failed', error: (error as Error).message, pid: undefined });
    throw error;
  }
}

async function trainOrThrow(run: Run<TrainConfig>, context: TrainContext, seen: { imageShape?: number[]; microBatch?: number }): Promise<'done' | 'cancelled'> {
  const config = run.record.config;
  const hooks = context.hooks ?? {};
  const emit = (e: EventBody) => hooks.onEvent?.(e);
  const log = (m: string) => hooks.log?.(m);
  const lossEntry = getLoss(config.loss);

  const data = await prepareData(config, { cacheDir: context.cacheDir, log });
  const { dataset, train: trainSet, test: testSet, probe } = data;
  seen.imageShape = [trainSet.height, trainSet.width, trainSet.channels];
  const norm = dataset.normalization;
  const { augmentation, summary: augmentationSummary } = runAugmentation(config, dataset);
  log(augmentationSummary);
  const stepsPerEpoch = Math.ceil(trainSet.count / config.batchSize);
  const schedule = parseSchedule(config.schedule, config.lr, config.epochs);

  // Model and optimizer: fresh, or from the last checkpoint (resume).
  const sgd = new Sgd({ momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weightDecay });
  const resumeFrom = run.latestCheckpoint();
  let model: tf.LayersModel;
  let startEpoch = 0;
  if (resumeFrom) {
    model = await loadModelFromDir(resumeFrom.dir);
    startEpoch = resumeFrom.epoch;
    run.truncateHistory(startEpoch);
    log(`resuming ${run.id} after epoch ${startEpoch} (${resumeFrom.dir})`);
  } else {
    model = buildModel({
      arch: config.arch,
      inputShape: [trainSet.height, trainSet.width, trainSet.channels],
      numClasses: dataset.numClasses,
      dropout: config.dropout,
      seed: config.seed,
    });
    run.truncateHistory(0);
  }
  const expectedShape = [trainSet.height, trainSet.width, trainSet.channels];
  const modelShape = (model.inputs[0].shape ?? []).slice(1);
  if (modelShape.join('x') !== expectedShape.join('x')) {
    throw new UserInputError(`checkpoint ${resumeFrom?.dir} takes ${modelShape.join('x')} images, ${config.dataset} has ${expectedShape.join('x')}`, config.dataset, modelShape.join('x'));
  }
  const variables = trainableVariables(model);
  if (resumeFrom) {
    const state = readTensorFiles(resumeFrom.dir);
    if (state) sgd.restore(variables, state.buffers);
    else log(`warning: ${resumeFrom.dir} has no optimizer state; momentum restarts from zero`);
  }

  const lossOptions = { tau: config.tau, lambda: config.lambda };
  // Before the first step: what a step takes on this backend, and the micro-batches it needs.
  const memoryPlan = await planTrainingMemory(
    model,
    (n) => {
      const indices = Array.from({ length: n }, (_, i) => i % trainSet.count);
      return { x: toTensor(trainSet, indices, norm), y: labelsTensor(trainSet, indices) };
    },
    (x, y) => shardGradients(model, variables, x, y, lossEntry, lossOptions),
    {
      budget: memoryBudget(context.backend.name),
      batchSize: config.batchSize,
      pendingOptimizerBytes: config.momentum > 0 ? Math.max(0, 4 * variables.reduce((n, v) => n + v.size, 0) - sgd.stateBytes()) : 0,
      requested: config.microBatch,
      backend: context.backend.name,
      arch: config.arch,
      imageShape: expectedShape,
    },
  );
  log(memoryPlan.summary);
  seen.microBatch = memoryPlan.microBatch;
  if (memoryPlan.microBatch < config.batchSize && movingStatistics(model).length > 0) {
    log('batch norm: each micro-batch is normalised with its own statistics; the moving averages get one update a step, from the whole batch (microBatches.ts)');
  }

  const parallel = await startDataParallel(config, model, [trainSet.height, trainSet.width, trainSet.channels], dataset.numClasses, log);
  const computeShard = (xs: tf.Tensor4D, ys: tf.Tensor1D, dropoutStep: number): ShardResult | Promise<ShardResult> =>
    parallel ? parallel.compute(model, variables, xs, ys, dropoutStep) : shardGradients(model, variables, xs, ys, lossEntry, lossOptions);

  run.update({ status: 'running', backend: context.backend, pid: process.pid, error: undefined });
  emit({
    type: 'started',
    job: 'train',
    runId: run.id,
    runDir: run.dir,
    backend: context.backend.name,
    backendReason: context.backend.reason,
    totalEpochs: config.epochs,
    stepsPerEpoch,
  });

  // A run too short for its architecture to learn says so once, before its first step.
  const shortRun = shortRunWarning(config.arch, config.epochs * stepsPerEpoch, { epochs: config.epochs, images: trainSet.count, batchSize: config.batchSize });
  if (shortRun && !run.record.warnings.some((w) => w.startsWith('short-run'))) {
    run.update({ warnings: [...run.record.warnings, shortRun] });
    emit({ type: 'warning', runId: run.id, code: 'short-run', message: shortRun });
  }

  const trainProbe = firstIndices(trainSet.count, config.probeSize);
  const testAll = firstIndices(testSet.count);
  const probeAll = firstIndices(probe.count);
  const history = run.history();
  let firstNorm = history.length ? history[0].logitNormTest : undefined;
  let warnedRunaway = run.record.warnings.some((w) => w.startsWith('logit-norm-runaway'));
  // The mean logit norm of the run's first training batch, from the untrained network's forward
  // pass: epoch 1's yardstick, which has no earlier epoch to compare with (a short run can run
  // away within its one epoch, and within its first ten batches).
  let initialNorm: number | undefined;
  let best = run.record.bestTestAccuracy ?? 0;

  try {
    for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
      const batches = epochBatches(config, trainSet, dataset, augmentation, epoch);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      const started = Date.now();
      let lastReport = 0;
      let lr = config.lr;
      for (let step = 0; step < stepsPerEpoch; step++) {
        await yieldToEventLoop();
        if (hooks.shouldStop?.()) {
          log(`cancelled during epoch ${epoch + 1}; the run keeps its ${epoch} complete epoch(s) and can be resumed`);
          return finish('cancelled');
        }
        const batch = batches.indices(step);
        lr = schedule(epoch, step, stepsPerEpoch);
        setDropoutStep(epoch * stepsPerEpoch + step);
        const x = batches.images(step);
        const y = labelsTensor(trainSet, batch);
        const dropoutStep = epoch * stepsPerEpoch + step;
        const result = await stepGradients(model, x, y, memoryPlan.microBatch, (xs, ys) => computeShard(xs, ys, dropoutStep));
        const { value, grads, correct: batchCorrect, normSum } = result;
        const lossValue = (await value.data())[0];
        if (!Number.isFinite(lossValue)) {
          tf.dispose([x, y, value, batchCorrect, normSum, grads]);
          throw new TrainingDivergedError(
            `the ${config.loss} loss became ${lossValue} at epoch ${epoch + 1}, step ${step + 1} (lr ${lr}); ` +
              `the last good checkpoint is kept. Try a lower --lr, or an architecture with batch norm`,
          );
        }
        sgd.step(variables, grads, lr);
        correct += (await batchCorrect.data())[0];
        const meanBatchNorm = (await normSum.data())[0] / batch.length;
        tf.dispose([x, y, value, batchCorrect, normSum, grads]);
        if (epoch === 0 && step === 0) initialNorm = meanBatchNorm;
        if (!warnedRunaway && (!Number.isFinite(meanBatchNorm) || meanBatchNorm >= RUNAWAY_ABSOLUTE)) {
          warnRunaway(`the mean logit norm of a training batch reached ${meanBatchNorm.toPrecision(4)} at epoch ${epoch + 1}, step ${step + 1} (lr ${lr.toPrecision(3)})`);
        }
        lossSum += lossValue * batch.length;
        seen += batch.length;
        const now = Date.now();
        if (now - lastReport > 500 || step === stepsPerEpoch - 1) {
          lastReport = now;
          const ips = seen / Math.max(1e-3, (now - started) / 1000);
          const remainingImages = (config.epochs - epoch - 1) * trainSet.count + (trainSet.count - seen);
          emit({ type: 'progress', job: 'train', runId: run.id, epoch: epoch + 1, step: step + 1, totalSteps: stepsPerEpoch, loss: lossSum / seen, imagesPerSecond: ips, etaSeconds: remainingImages / ips });
        }
      }
      const trainSeconds = (Date.now() - started) / 1000;

      // Per-epoch statistics: accuracy and the mean raw logit norm on ID train/test and the probe.
      const trainSummary = await summariseLogits(model, trainSet, trainProbe, norm);
      const testSummary = await summariseLogits(model, testSet, testAll, norm);
      const probeSummary = await summariseLogits(model, probe, probeAll, norm);
      const stats: EpochStats = {
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testAccuracy: testSummary.accuracy,
        logitNormTrain: trainSummary.meanLogitNorm,
        logitNormTest: testSummary.meanLogitNorm,
        logitNormOod: probeSummary.meanLogitNorm,
        oodProbe: config.oodProbe,
        lr,
        seconds: (Date.now() - started) / 1000,
        imagesPerSecond: seen / trainSeconds,
      };

      // Checkpoint first, then the history line, then run.json: a kill between them leaves a
      // checkpoint without its line, which resume rewrites, never a line without a checkpoint.
      const isLast = epoch + 1 === config.epochs;
      if (isLast || (epoch + 1) % config.checkpointEvery === 0) {
        const files = { ...(await modelToFiles(model)), ...tensorsToFiles(sgd.state(variables), { epoch: epoch + 1 }) };
        const ref = run.saveCheckpoint(epoch + 1, files);
        emit({ type: 'checkpoint', runId: run.id, epoch: epoch + 1, path: ref.dir });
      }
      run.appendHistory(stats);
      best = Math.max(best, stats.testAccuracy);
      run.update({ epochsDone: epoch + 1, bestTestAccuracy: best });
      emit({ type: 'epoch', runId: run.id, stats });

      // Epoch 1 is judged against the run's first batches, later epochs against epoch 1.
      const yardstick = firstNorm === undefined && initialNorm !== undefined && Number.isFinite(initialNorm)
        ? { norm: initialNorm, what: 'in the first training batch' }
        : { norm: firstNorm ?? stats.logitNormTest, what: 'after epoch 1' };
      firstNorm ??= stats.logitNormTest;
      if (!warnedRunaway && runaway(stats.logitNormTest, yardstick.norm)) {
        warnRunaway(
          `the mean logit norm of ID test data is ${stats.logitNormTest.toPrecision(4)} at epoch ${stats.epoch} ` +
            `(${yardstick.norm.toPrecision(4)} ${yardstick.what}) and test accuracy is ${(stats.testAccuracy * 100).toFixed(2)}%`,
        );
      }
    }
    return finish('done');
  } finally {
    await parallel?.dispose();
    sgd.dispose();
    model.dispose();
  }

  function warnRunaway(what: string): void {
    warnedRunaway = true;
    const message =
      `logit-norm-runaway: ${what}. ` +
      (config.loss === 'logitnorm'
        ? 'The LogitNorm loss does not see the scale of the logits, so nothing stops it growing; on networks without batch norm at a high learning rate it runs away and accuracy collapses. '
        : 'The logits are growing without bound. ') +
      `Try a lower --lr (e.g. ${Number((config.lr / 10).toPrecision(2))}), an architecture with batch norm before the logits (--arch cnn-bn), or --loss logitpenalty.`;
    run.update({ warnings: [...run.record.warnings, message] });
    emit({ type: 'warning', runId: run.id, code: 'logit-norm-runaway', message });
  }

  function finish(status: 'done' | 'cancelled'): 'done' | 'cancelled' {
    run.update({ status, pid: undefined });
    emit({ type: 'finished', job: 'train', runId: run.id, status, summary: { epochs: run.record.epochsDone, bestTestAccuracy: run.record.bestTestAccuracy ?? NaN } });
    return status;
  }
}

/**
 * Starts the data-parallel workers when the config asks for more than one thread and the backend
 * computes on one (wasm under Node, cpu); tfjs-node already uses every core, so there it says so
 * and trains on the main thread.
 */
async function startDataParallel(config: TrainConfig, model: tf.LayersModel, inputShape: [number, number, number], numClasses: number, log: (m: string) => void): Promise<DataParallelSteps | undefined> {
  const threads = config.workers ?? 1;
  if (threads <= 1) return undefined;
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    log(`--workers ${threads} ignored: the ${backend} backend already computes on every core`);
    return undefined;
  }
  const spec = { arch: config.arch, inputShape, numClasses, dropout: config.dropout, seed: config.seed };
  const parallel = await DataParallelSteps.start(threads, backend, spec, config.loss, getLoss(config.loss), { tau: config.tau, lambda: config.lambda });
  log(`data-parallel: each step's batch split over ${threads} threads (${backend} in each)` +
    (model.layers.some((l) => l.getClassName() === 'BatchNormalization') ? "; batch norm normalises each thread's share with its own statistics" : ''));
  return parallel;
}

/** The variables SGD updates, in the model's order of trainable weights. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  // LayerVariable keeps its tf.Variable in `val`, which the public typings do not expose.
  return model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
}

/** The norm is not finite, huge, or large and tenfold its first epoch's value. */
export function runaway(norm: number, firstEpochNorm: number): boolean {
  if (!Number.isFinite(norm) || norm >= RUNAWAY_ABSOLUTE) return true;
  return norm >= RUNAWAY_NORM && norm >= RUNAWAY_GROWTH * firstEpochNorm;
}
