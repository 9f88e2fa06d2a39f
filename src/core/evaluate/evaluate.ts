import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { toTensor } from '../data';
import { deriveSeed } from '../data/rng';
import { limitTestSet, loadOodSet } from '../data';
import type { ImageSet, Normalization } from '../data/types';
import {
  accuracy,
  argmaxRows,
  correctness,
  detectionMetrics,
  fitTemperature,
  histogram,
  maxSoftmax,
  sharedRange,
} from '../metrics';
import { createScorer, getScorer, idTrainingDataFromImageSet, NORMALISED_LOGIT_SCORERS, withNormalisedLogits, type Scorer, type ScorerOptions, type ScorerSetup } from '../scorers';
import { loadModelFromDir } from '../runs/checkpoint';
import { writeJsonAtomic } from '../runs/atomicWrite';
import { epochOfCheckpointFolder, isCheckpointPath } from '../runs/checkpointFolders';
import { RunStore, type CheckpointRef, type Run } from '../runs/runStore';
import type { TrainConfig } from '../train/config';
import { forward, firstIndices, summariseLogits, yieldToEventLoop } from '../train/forward';
import { prepareIdData } from '../train/runData';
import type { EventBody } from '../train/trainer';
import type { EvaluationResult, ScorerOodResult } from './results';
import { calibrationResult } from './calibration';
import { explainMemoryFailure, memoryBudget } from '../backend/memoryLimit';
import { fittingBatch } from '../backend/memoryPlan';

export interface EvaluateOptions {
  oodSets: string[];
  scorers: string[];
  /** Per-scorer options, e.g. { energy: { temperature: 0.1 } }. */
  scorerOptions?: Record<string, ScorerOptions>;
  /** Images of each OOD set (noise sets are generated at this size; data sets are capped). */
  oodCount?: number;
  /** Evaluate on the first N ID test images only. */
  idLimit?: number;
  /** ID training images the fitted scorers (react, knn, mahalanobis) learn from. */
  fitSamples?: number;
  histogramBins?: number;
  /**
   * Also score on the normalised logits f / (tau (||f|| + 1e-7)) with this tau (the scorers of
   * NORMALISED_LOGIT_SCORERS); the metrics land beside the raw ones in each result row.
   */
  normalisedLogitsTau?: number;
  batchSize?: number;
  cacheDir?: string;
  backend: { name: string; reason: string };
  hooks?: { onEvent?(e: EventBody): void; shouldStop?(): boolean; log?(m: string): void };
}

export const DEFAULT_OOD_SETS = ['fashion-mnist', 'gaussian', 'uniform'];
export const DEFAULT_SCORERS = ['msp', 'odin', 'energy', 'gradnorm'];

export class EvaluationCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
    this.name = 'EvaluationCancelled';
  }
}

/**
 * A run id, a run folder, or a checkpoint folder (<run>/checkpoints/epoch-N) -> the run and the
 * checkpoint to evaluate (a run's latest when none is named).
 */
export function resolveCheckpoint(store: RunStore, target: string): { run: Run<TrainConfig>; checkpoint: CheckpointRef } {
  const abs = path.resolve(target);
  const epoch = epochOfCheckpointFolder(path.basename(abs));
  if (epoch !== undefined && isCheckpointPath(abs) && fs.existsSync(abs)) {
    const run = store.open<TrainConfig>(path.dirname(path.dirname(abs)));
    return { run, checkpoint: { epoch, dir: abs } };
  }
  const run = store.open<TrainConfig>(target);
  const checkpoint = run.latestCheckpoint();
  if (!checkpoint) {
    throw new UserInputError(`run ${run.id} has no checkpoint yet: expected at least one finished epoch in ${run.dir}/checkpoints`, target, 'a run with a checkpoint');
  }
  return { run, checkpoint };
}

/** Checks scorer names (and their options) before any work starts. */
export function checkScorerNames(names: string[], options: Record<string, ScorerOptions> = {}): void {
  if (names.length === 0) throw new UserInputError('no scorer given: expected --scorers msp,odin,...', '', 'one or more scorers');
  for (const name of names) createScorer(name, options[name]).dispose?.();
}

/** Raw logits [N*k] of `indices` of a set, in inference mode. */
export async function collectLogits(model: tf.LayersModel, set: ImageSet, indices: ArrayLike<number>, norm: Normalization, batchSize = 256): Promise<Float32Array> {
  const k = (model.outputs[0].shape[1] ?? 0) as number;
  const out = new Float32Array(indices.length * k);
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, indices.length - start) }, (_, i) => indices[start + i]);
    const logits = tf.tidy(() => forward(model, toTensor(set, batch, norm), false).logits);
    out.set(await logits.data(), start * k);
    logits.dispose();
  }
  return out;
}

/** One scorer over a whole set, batch by batch; `shouldStop` is asked between batches. */
export async function scoreSet(scorer: Scorer, model: tf.LayersModel, set: ImageSet, norm: Normalization, batchSize = 256, shouldStop?: () => boolean): Promise<Float32Array> {
  const scores = new Float32Array(set.count);
  for (let start = 0; start < set.count; start += batchSize) {
    await yieldToEventLoop();
    if (shouldStop?.()) throw new EvaluationCancelled();
    const batch = firstIndices(Math.min(batchSize, set.count - start)).map((i) => i + start);
    const x = toTensor(set, batch, norm);
    try {
      scores.set(scorer.score(model, x), start);
    } finally {
      x.dispose();
    }
  }
  return scores;
}

/**
 * Evaluates one checkpoint: ID accuracy, calibration (ECE before/after temperature scaling fitted
 * on the validation split), mean logit norms, and every scorer against every OOD set. Writes
 * `<run>/evaluations/<id>.json` atomically and returns it.
 */
export async function evaluateCheckpoint(run: Run<TrainConfig>, checkpoint: CheckpointRef, options: EvaluateOptions): Promise<{ result: EvaluationResult; file: string }> {
  const started = Date.now();
  const hooks = options.hooks ?? {};
  const emit = (e: EventBody) => hooks.onEvent?.(e);
  const log = (m: string) => hooks.log?.(m);
  const config = run.record.config;
  const scorerOptions = options.scorerOptions ?? {};
  checkScorerNames(options.scorers, scorerOptions);
  const batchSize = options.batchSize ?? 256;
  const oodCount = options.oodCount ?? 10000;

  const model = await loadModelFromDir(checkpoint.dir);
  const scorers: Scorer[] = [];
  let imageShape: number[] = [];
  try {
    // No OOD probe here: evaluation loads its own OOD sets.
    const data = await prepareIdData({ ...config, limit: undefined }, { cacheDir: options.cacheDir, log });
    const { dataset } = data;
    const norm = dataset.normalization;
    const shape: [number, number, number] = [data.test.height, data.test.width, data.test.channels];
    const modelShape = (model.inputs[0].shape ?? []).slice(1);
    if (modelShape.join('x') !== shape.join('x')) {
      throw new UserInputError(`checkpoint ${checkpoint.dir} takes ${modelShape.join('x')} images, but its data set ${config.dataset} has ${shape.join('x')}`, checkpoint.dir, shape.join('x'));
    }
    // --id-limit N: a seeded random N (the run's seed), the images a run with --limit N tests on.
    const idTest = options.idLimit ? limitTestSet(data.test, options.idLimit, config.seed) : data.test;
    imageShape = shape;
    // Before the first batch: the largest batch (up to batchSize) each pass fits in this backend's
    // memory, measured on 1 and 2 images (memoryPlan.ts). A big network's forward pass, and ODIN's
    // input gradient through it, take far more per image than a small one's.
    const budget = memoryBudget(options.backend.name);
    const sample = (n: number) => toTensor(idTest, Array.from({ length: n }, (_, i) => i % idTest.count), norm);
    const fitting = async (what: string, pass: (x: tf.Tensor4D) => void): Promise<number> => {
      const found = await fittingBatch(what, (n) => {
        const x = sample(n);
        try {
          pass(x);
        } finally {
          x.dispose();
        }
      }, batchSize, budget, options.backend.name);
      if (found.note) log(found.note);
      return found.batch;
    };
    const forwardBatch = await fitting(`the forward pass of ${config.arch}`, (x) => tf.tidy(() => {
      forward(model, x, false);
    }));
    const oodSets: ImageSet[] = [];
    for (const name of options.oodSets) {
      oodSets.push(await loadOodSet(name, { dataDir: config.dataDir, cacheDir: options.cacheDir, log, shape, count: oodCount, seed: deriveSeed(config.seed, `ood-${name}`) }));
    }
    const totalSteps = 2 + options.scorers.length * (1 + oodSets.length);
    let step = 0;
    const progress = (message: string) => {
      if (hooks.shouldStop?.()) throw new EvaluationCancelled();
      emit({ type: 'progress', job: 'evaluate', runId: run.id, step: ++step, totalSteps, message });
    };
    emit({ type: 'started', job: 'evaluate', runId: run.id, runDir: run.dir, backend: options.backend.name, backendReason: options.backend.reason });

    // Accuracy and calibration on ID test; the temperature comes from the validation split.
    const k = dataset.numClasses;
    const testLogits = await collectLogits(model, idTest, firstIndices(idTest.count), norm, forwardBatch);
    const labels = idTest.labels.subarray(0, idTest.count);
    const predicted = argmaxRows(testLogits, k);
    const correct = correctness(predicted, labels);
    const confidence = maxSoftmax(testLogits, k, 1);
    const validation = data.validation.count > 0 ? data.validation : idTest;
    if (data.validation.count === 0) log('no validation split (--val-fraction 0): temperature fitted on the ID test set itself');
    const valLogits = await collectLogits(model, validation, firstIndices(validation.count), norm, forwardBatch);
    const temperature = fitTemperature(valLogits, validation.labels.subarray(0, validation.count), k);
    const scaledConfidence = maxSoftmax(testLogits, k, temperature);
    progress('accuracy and calibration');

    const idNorm = await summariseLogits(model, idTest, firstIndices(idTest.count), norm, forwardBatch);
    const oodNorms: Record<string, number> = {};
    for (const set of oodSets) oodNorms[set.name] = (await summariseLogits(model, set, firstIndices(set.count), norm, forwardBatch)).meanLogitNorm;
    progress('logit norms');

    const results: ScorerOodResult[] = [];
    const bins = options.histogramBins ?? 50;
    const normalisedTau = options.normalisedLogitsTau;
    const normalisedModel = normalisedTau === undefined ? undefined : withNormalisedLogits(model, normalisedTau);
    if (normalisedModel) {
      const skipped = options.scorers.filter((name) => !NORMALISED_LOGIT_SCORERS.includes(name));
      if (skipped.length) log(`normalised logits: ${skipped.join(', ')} read more than the logits and are scored on the raw model only`);
    }
    // What every scorer may need of the model and its data (ODIN: the input normalisation).
    const setup: ScorerSetup = { inputStd: norm.std };
    for (const name of options.scorers) {
      const scorer = createScorer(name, scorerOptions[name], setup);
      scorers.push(scorer);
      if (getScorer(name).needsFit && scorer.fit) {
        await scorer.fit(model, idTrainingDataFromImageSet(data.train, norm, k, { batchSize: forwardBatch, limit: options.fitSamples ?? 5000 }));
      }
      const scoreBatch = await fitting(`${name} on ${config.arch}`, (x) => {
        scorer.score(model, x);
      });
      const idScores = await scoreSet(scorer, model, idTest, norm, scoreBatch, hooks.shouldStop);
      const onNormalised = normalisedModel && normalisedTau !== undefined && NORMALISED_LOGIT_SCORERS.includes(name) ? normalisedModel : undefined;
      const idScoresNormalised = onNormalised ? await scoreSet(scorer, onNormalised, idTest, norm, scoreBatch, hooks.shouldStop) : undefined;
      progress(`${name}: ID`);
      for (const set of oodSets) {
        const oodScores = await scoreSet(scorer, model, set, norm, scoreBatch, hooks.shouldStop);
        const m = detectionMetrics(idScores, oodScores);
        let normalised: ScorerOodResult['normalised'];
        if (onNormalised && idScoresNormalised && normalisedTau !== undefined) {
          const n = detectionMetrics(idScoresNormalised, await scoreSet(scorer, onNormalised, set, norm, scoreBatch, hooks.shouldStop));
          normalised = { tau: normalisedTau, fpr95: n.fpr95, auroc: n.auroc, auprIn: n.auprIn, auprOut: n.auprOut };
        }
        const range = sharedRange(idScores, oodScores);
        const h = (v: Float32Array) => {
          const hist = histogram(v, { bins, min: range.min, max: range.max });
          return { min: hist.min, max: hist.max, edges: Array.from(hist.edges), counts: Array.from(hist.counts) };
        };
        results.push({ scorer: name, oodSet: set.name, ...m, histogram: { id: h(idScores), ood: h(oodScores) }, ...(normalised ? { normalised } : {}) });
        progress(`${name}: ${set.name}`);
      }
    }

    const id = `epoch-${checkpoint.epoch}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
    const result: EvaluationResult = {
      format: 'ood-lens-evaluation',
      version: 1,
      id,
      runId: run.id,
      train: { dataset: config.dataset, arch: config.arch, loss: config.loss, tau: config.tau, lambda: config.lambda, seed: config.seed, epochs: config.epochs },
      checkpoint: { epoch: checkpoint.epoch, dir: checkpoint.dir },
      createdAt: new Date().toISOString(),
      backend: options.backend,
      idDataset: config.dataset,
      idCount: idTest.count,
      idAccuracy: accuracy(predicted, labels),
      calibration: calibrationResult(confidence, scaledConfidence, correct, temperature, validation.count),
      logitNorm: { id: idNorm.meanLogitNorm, ood: oodNorms },
      oodSets: oodSets.map((s) => ({ name: s.name, count: s.count })),
      scorers: scorers.map((s) => ({ name: s.name, settings: { ...s.settings } })),
      results,
      seconds: (Date.now() - started) / 1000,
    };
    fs.mkdirSync(run.evaluationsDir, { recursive: true });
    const file = path.join(run.evaluationsDir, `${id}.json`);
    writeJsonAtomic(file, result);
    emit({ type: 'evaluation', runId: run.id, checkpoint: checkpoint.dir, evaluationId: id, path: file });
    emit({ type: 'finished', job: 'evaluate', runId: run.id, status: 'done' });
    return { result, file };
  } catch (e) {
    // A pass the WebAssembly heap could not hold after all: one line, not an internal error.
    throw explainMemoryFailure(e, { backend: options.backend.name, arch: config.arch, batchSize, imageShape, job: 'evaluation' }) ?? e;
  } finally {
    for (const s of scorers) s.dispose?.();
    model.dispose();
  }
}

/** Every evaluation file of a run, oldest first; unreadable files are skipped with a note. */
// Evaluation files are read by the tfjs-free module that the report and the extension use too.
export { readEvaluations } from './evaluationFiles';
