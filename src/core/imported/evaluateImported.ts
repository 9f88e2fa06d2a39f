/**
 * OOD detection and calibration of an imported ONNX classifier, with the same scorers, metrics and
 * evaluation file as a checkpoint trained here. The model runs once over each set (ID test, a
 * sample of ID train for the fitted scorers, every OOD set); every scorer then reads those
 * outputs. Everything a user can get wrong (the model, the preprocessing, the data, the scorer
 * names) is checked before the run folder is touched.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserInputError } from '../errors';
import { limitTestSet, loadDataset, loadOodSet } from '../data';
import { createImageSet, formatShape, subsetImageSet } from '../data/imageSet';
import { toShape } from '../data/resize';
import { deriveSeed } from '../data/rng';
import type { ImageSet, ImageShape } from '../data/types';
import { accuracy, argmaxRows, correctness, detectionMetrics, fitTemperature, histogram, maxSoftmax, sharedRange } from '../metrics';
import { calibrationResult } from '../evaluate/calibration';
import { createScorer, getScorer, type Scorer, type ScorerOptions, type ScorerOutputs } from '../scorers';
import { EvaluationCancelled } from '../evaluate/evaluate';
import type { EvaluationResult, ScorerOodResult } from '../evaluate/results';
import { writeJsonAtomic } from '../runs/atomicWrite';
import { RunStore, type Run } from '../runs/runStore';
import type { EventBody } from '../train/trainer';
import { yieldToEventLoop } from '../train/forward';
import { OnnxClassifier } from './onnxClassifier';
import { inputShape, readSidecar, resolvePreprocessing, toModelInput, type Preprocessing, type PreprocessingSpec } from './preprocessing';

/** The name under which odin runs on an imported model: temperature scaling only, no input perturbation. */
export const ODIN_TEMPERATURE_ONLY = 'odin-t';

/** run.json `config` of an imported model. The train-like fields let `runs` and `report` list it like a trained run. */
export interface ImportedRunConfig {
  kind: 'imported';
  model: { file: string; sha256: string; bytes: number; producer: string; opset?: number };
  preprocessing: Preprocessing;
  graph: { input: string; logits: string; logitsSource: string; features?: string; finalLayer?: string; notes: string[] };
  dataset: string;
  dataDir?: string;
  arch: string;
  loss: 'imported';
  tau: 0;
  lambda: 0;
  seed: number;
  epochs: 0;
}

export interface ImportedEvaluateOptions {
  modelFile: string;
  /** ID data: a registered name or an image folder (resized to the model's input). */
  dataset: string;
  dataDir?: string;
  oodSets: string[];
  scorers: string[];
  scorerOptions?: Record<string, ScorerOptions>;
  preprocessing?: PreprocessingSpec;
  /** --features NAME */
  features?: string;
  oodCount?: number;
  idLimit?: number;
  fitSamples?: number;
  batchSize?: number;
  histogramBins?: number;
  seed?: number;
  cacheDir?: string;
  /** ONNX Runtime's intra-op threads (default: its own choice). */
  threads?: number;
  runsRoot: string;
  backend: { name: string; reason: string };
  hooks?: { onEvent?(e: EventBody): void; shouldStop?(): boolean; log?(m: string): void };
}

/** What a pass of the model over a set gave. */
export interface SetOutputs {
  readonly count: number;
  readonly logits: Float32Array;
  readonly features: Float32Array | undefined;
  readonly classes: number;
  readonly featureDim: number;
}

/** The scorers to run, the ones skipped and why, and notes about substitutions. */
export interface ScorerPlan {
  run: { name: string; resultName: string; scorer: Scorer; needsFit: boolean }[];
  skipped: { scorer: string; reason: string }[];
  notes: string[];
}

/** Decides which requested scorers can run on a model with (or without) features and a final layer. */
export function planScorers(names: string[], options: Record<string, ScorerOptions>, has: { features: boolean; lastLayer: boolean; why: string[] }): ScorerPlan {
  if (names.length === 0) throw new UserInputError('no scorer given: expected --scorers msp,energy,...', '', 'one or more scorers');
  const plan: ScorerPlan = { run: [], skipped: [], notes: [] };
  const why = has.why.length > 0 ? ` (${has.why.join('; ')})` : '';
  for (const name of names) {
    const factory = getScorer(name);
    if (factory.requires.inputGradient) {
      // ODIN without its perturbation is the max softmax at its temperature: run that, named so.
      const odinOptions = options[name] ?? {};
      const scorer = createScorer(name, odinOptions); // validates the options
      const temperature = Number(scorer.settings.temperature);
      const msp = createScorer('msp', { temperature });
      plan.run.push({ name, resultName: ODIN_TEMPERATURE_ONLY, needsFit: false, scorer: { ...msp, name: ODIN_TEMPERATURE_ONLY, settings: { temperature, epsilon: 0 } } });
      plan.notes.push(
        `${name} runs as ${ODIN_TEMPERATURE_ONLY}: temperature scaling only (max softmax at T = ${temperature}), without ODIN's input perturbation, which needs input gradients that ONNX Runtime does not give`,
      );
      continue;
    }
    if (factory.requires.features && !has.features) {
      plan.skipped.push({ scorer: name, reason: `needs the penultimate features${why}` });
      continue;
    }
    if (factory.requires.lastLayer && !has.lastLayer) {
      plan.skipped.push({ scorer: name, reason: `needs the final linear layer's weights and its input${why}` });
      continue;
    }
    const scorer = createScorer(name, options[name]);
    if (!scorer.scoreOutputs) {
      plan.skipped.push({ scorer: name, reason: 'needs the model itself, not only its outputs' });
      scorer.dispose?.();
      continue;
    }
    plan.run.push({ name, resultName: name, scorer, needsFit: factory.needsFit });
  }
  return plan;
}

/** A set at the model's input size and channels (bilinear resize, gray <-> RGB), unchanged when it fits. */
function atShape(set: ImageSet, shape: ImageShape): ImageSet {
  const [height, width, channels] = shape;
  if (set.height === height && set.width === width && set.channels === channels) return set;
  const size = height * width * channels;
  const images = new Uint8Array(set.count * size);
  const inSize = set.height * set.width * set.channels;
  for (let i = 0; i < set.count; i++) {
    images.set(toShape(set.images.subarray(i * inSize, (i + 1) * inSize), set.height, set.width, set.channels, height, width, channels), i * size);
  }
  return createImageSet({ name: set.name, images, labels: set.labels, height, width, channels });
}

/** `limit` indices spread evenly over `count` (image floor(i * count / limit)), so every class of a class-ordered set is sampled. */
export function spreadIndices(count: number, limit: number): Int32Array {
  const n = Math.min(count, limit);
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}

export interface ImportedData {
  idTest: ImageSet;
  fitSample: ImageSet;
  oodSets: ImageSet[];
  numClasses: number;
  classNames: string[];
}

/** The exact images an evaluation scores (also for checks against other frameworks). */
export async function loadImportedData(
  pre: Preprocessing,
  options: Pick<ImportedEvaluateOptions, 'dataset' | 'dataDir' | 'oodSets' | 'oodCount' | 'idLimit' | 'fitSamples' | 'seed' | 'cacheDir'> & { log?: (m: string) => void },
): Promise<ImportedData> {
  const shape: ImageShape = [pre.height, pre.width, pre.channels];
  const dataset = await loadDataset(options.dataset, { dataDir: options.dataDir, cacheDir: options.cacheDir, log: options.log, imageShape: shape });
  const test = atShape(dataset.test, shape);
  const idTest = options.idLimit ? limitTestSet(test, options.idLimit, options.seed ?? 1) : test;
  const fitSample = atShape(subsetImageSet(dataset.train, spreadIndices(dataset.train.count, options.fitSamples ?? 5000), `${dataset.train.name}-fit`), shape);
  const oodSets: ImageSet[] = [];
  for (const name of options.oodSets) {
    oodSets.push(await loadOodSet(name, { dataDir: options.dataDir, cacheDir: options.cacheDir, log: options.log, shape, count: options.oodCount ?? 10000, seed: deriveSeed(options.seed ?? 1, `ood-${name}`) }));
  }
  return { idTest, fitSample, oodSets, numClasses: dataset.numClasses, classNames: dataset.classNames };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The imported run of this model file, hash, preprocessing and graph reading, or a new one. */
function runFor(store: RunStore, config: ImportedRunConfig): Run<ImportedRunConfig> {
  for (const run of store.list()) {
    const c = run.record.config as Partial<ImportedRunConfig>;
    if (
      run.record.kind === 'imported' &&
      c.model?.sha256 === config.model.sha256 &&
      c.model?.file === config.model.file &&
      c.dataset === config.dataset &&
      sameJson(c.preprocessing, config.preprocessing) &&
      sameJson(c.graph, config.graph)
    ) {
      return run as unknown as Run<ImportedRunConfig>;
    }
  }
  const run = store.create<ImportedRunConfig>(`imported-${path.basename(config.model.file).replace(/\.onnx$/i, '')}`, config);
  run.update({ kind: 'imported' });
  return run;
}

/** Runs the model over a set in batches: its logits and (when the graph gives them) features. */
export async function outputsOf(
  model: OnnxClassifier,
  set: ImageSet,
  pre: Preprocessing,
  batchSize: number,
  onBatch: () => void,
  shouldStop?: () => boolean,
): Promise<SetOutputs> {
  let logits: Float32Array | undefined;
  let features: Float32Array | undefined;
  let classes = 0;
  let featureDim = 0;
  const size = model.fixedBatch ?? batchSize;
  for (let start = 0; start < set.count; start += size) {
    await yieldToEventLoop();
    if (shouldStop?.()) throw new EvaluationCancelled();
    const n = Math.min(size, set.count - start);
    // A model whose input fixes the batch size gets full batches: the last one is padded with
    // copies of its last image, and only the first n rows are kept.
    const rows = model.fixedBatch ?? n;
    const indices = Int32Array.from({ length: rows }, (_, i) => start + Math.min(i, n - 1));
    const out = await model.run(toModelInput(set, indices, pre), inputShape(rows, pre));
    if (!logits) {
      classes = out.classes;
      featureDim = out.featureDim;
      logits = new Float32Array(set.count * classes);
      features = out.features ? new Float32Array(set.count * featureDim) : undefined;
    }
    logits.set(out.logits.subarray(0, n * classes), start * classes);
    if (features && out.features) features.set(out.features.subarray(0, n * featureDim), start * featureDim);
    onBatch();
  }
  return { count: set.count, logits: logits ?? new Float32Array(0), features, classes, featureDim };
}

/** Scores of one scorer over a set's outputs, in chunks of rows (each chunk's tensors freed). */
export function scoreOutputs(scorer: Scorer, outputs: SetOutputs, lastLayer: ScorerOutputs['lastLayer'], chunk = 1024): Float32Array {
  const scores = new Float32Array(outputs.count);
  const { classes, featureDim } = outputs;
  for (let start = 0; start < outputs.count; start += chunk) {
    const n = Math.min(chunk, outputs.count - start);
    const logits = tf.tensor2d(outputs.logits.subarray(start * classes, (start + n) * classes), [n, classes]);
    const features = outputs.features ? tf.tensor2d(outputs.features.subarray(start * featureDim, (start + n) * featureDim), [n, featureDim]) : undefined;
    try {
      scores.set((scorer.scoreOutputs as NonNullable<Scorer['scoreOutputs']>)({ logits, features, lastLayer }), start);
    } finally {
      logits.dispose();
      features?.dispose();
    }
  }
  return scores;
}

function meanRowNorm(values: Float32Array, count: number, width: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = 0; j < width; j++) s += values[i * width + j] ** 2;
    sum += Math.sqrt(s);
  }
  return count > 0 ? sum / count : NaN;
}

/**
 * Evaluates an ONNX model file: writes (or adds to) a run folder of kind `imported` under
 * `runsRoot` and its `evaluations/<id>.json`, and returns the result.
 */
export async function evaluateImportedModel(options: ImportedEvaluateOptions): Promise<{ result: EvaluationResult; file: string; run: Run<ImportedRunConfig> }> {
  const started = Date.now();
  const hooks = options.hooks ?? {};
  const emit = (e: EventBody) => hooks.onEvent?.(e);
  const log = (m: string) => hooks.log?.(m);
  const requestedBatch = options.batchSize ?? 256;
  const modelFile = path.resolve(options.modelFile);
  if (!fs.existsSync(modelFile)) throw new UserInputError(`no file ${options.modelFile}: expected an .onnx model file`, options.modelFile, 'an .onnx file');

  // Everything that can be checked before writing anything.
  const sidecar = readSidecar(modelFile);
  if (sidecar) log(`preprocessing from ${sidecar.file} where no flag overrides it`);
  const features = options.features ?? sidecar?.spec.features;
  const model = await OnnxClassifier.open(modelFile, { features, threads: options.threads });
  const batchSize = model.fixedBatch ?? requestedBatch;
  if (model.fixedBatch !== undefined && model.fixedBatch !== requestedBatch) log(`${path.basename(modelFile)} fixes its batch size at ${model.fixedBatch}: batches of ${model.fixedBatch}`);
  const scorers: Scorer[] = [];
  const lastLayerTensors: tf.Tensor[] = [];
  try {
    const { graph } = model;
    const pre = resolvePreprocessing(graph.input, modelFile, options.preprocessing ?? {}, sidecar);
    for (const note of graph.notes) log(note);
    const plan = planScorers(options.scorers, options.scorerOptions ?? {}, {
      features: graph.features !== undefined,
      lastLayer: graph.finalLayer !== undefined && graph.features !== undefined,
      why: graph.notes,
    });
    scorers.push(...plan.run.map((r) => r.scorer));
    for (const note of plan.notes) log(note);
    for (const s of plan.skipped) log(`${s.scorer} skipped: ${s.reason}`);
    if (plan.run.length === 0) {
      throw new UserInputError(`none of the scorers ${options.scorers.join(', ')} can run on ${modelFile}: ${plan.skipped.map((s) => `${s.scorer} ${s.reason}`).join('; ')}`, options.scorers.join(','), 'msp, energy, maxlogit');
    }
    const data = await loadImportedData(pre, { ...options, log });
    if (graph.classes !== undefined && graph.classes !== data.numClasses) {
      throw new UserInputError(`${modelFile} has ${graph.classes} classes but ${options.dataset} has ${data.numClasses}: expected the data set the model classifies`, options.dataset, `${graph.classes} classes`);
    }
    const needsFit = plan.run.some((r) => r.needsFit);

    const config: ImportedRunConfig = {
      kind: 'imported',
      model: { file: modelFile, sha256: model.model.sha256, bytes: model.model.bytes.length, producer: graph.producer, opset: graph.opset },
      preprocessing: pre,
      graph: { input: graph.input.name, logits: graph.logits, logitsSource: graph.logitsSource, features: graph.features, finalLayer: graph.finalLayer?.description, notes: graph.notes },
      dataset: options.dataset,
      dataDir: options.dataDir,
      arch: path.basename(modelFile),
      loss: 'imported',
      tau: 0,
      lambda: 0,
      seed: options.seed ?? 1,
      epochs: 0,
    };
    const run = runFor(new RunStore(options.runsRoot), config);
    run.update({ status: 'running', pid: process.pid, host: os.hostname(), backend: options.backend, error: undefined });
    try {
      const sets = [data.idTest, ...(needsFit ? [data.fitSample] : []), ...data.oodSets];
      const totalSteps = sets.reduce((a, s) => a + Math.ceil(s.count / batchSize), 0) + plan.run.length;
      let step = 0;
      const progress = (message: string) => {
        if (hooks.shouldStop?.()) throw new EvaluationCancelled();
        emit({ type: 'progress', job: 'evaluate', runId: run.id, step: ++step, totalSteps, message });
      };
      emit({ type: 'started', job: 'evaluate', runId: run.id, runDir: run.dir, backend: `onnxruntime-node (cpu) + ${options.backend.name}`, backendReason: options.backend.reason });
      const pass = (set: ImageSet, what: string) => outputsOf(model, set, pre, batchSize, () => progress(`${what}: ${set.name}`), hooks.shouldStop);
      const idOut = await pass(data.idTest, 'ID test');
      const fitOut = needsFit ? await pass(data.fitSample, 'ID train sample') : undefined;
      const oodOut: SetOutputs[] = [];
      for (const set of data.oodSets) oodOut.push(await pass(set, 'OOD'));
      const k = idOut.classes;

      let lastLayer: ScorerOutputs['lastLayer'];
      const fl = graph.finalLayer;
      if (fl && graph.features !== undefined) {
        if (fl.dim !== idOut.featureDim) throw new Error(`features have ${idOut.featureDim} values but ${fl.description} reads ${fl.dim}`);
        const kernel = tf.tensor2d(fl.kernel, [fl.dim, fl.classes]);
        const bias = fl.bias ? tf.tensor1d(fl.bias) : undefined;
        lastLayerTensors.push(kernel, ...(bias ? [bias] : []));
        lastLayer = { kernel, bias };
      }

      // Accuracy and calibration. No split was held out from the model's training here, so the
      // temperature is fitted on the ID test images themselves (as a trained run with --val-fraction 0).
      const labels = data.idTest.labels.subarray(0, idOut.count);
      const predicted = argmaxRows(idOut.logits, k);
      const correct = correctness(predicted, labels);
      const confidence = maxSoftmax(idOut.logits, k, 1);
      const temperature = fitTemperature(idOut.logits, labels, k);
      const scaledConfidence = maxSoftmax(idOut.logits, k, temperature);
      log('temperature fitted on the ID test images (an imported model has no held-out split of its training data)');

      const results: ScorerOodResult[] = [];
      const bins = options.histogramBins ?? 50;
      for (const entry of plan.run) {
        if (entry.needsFit && fitOut) {
          if (!fitOut.features) throw new Error('fit sample without features');
          entry.scorer.fitFeatures?.({ features: fitOut.features, labels: data.fitSample.labels, count: fitOut.count, dim: fitOut.featureDim }, data.numClasses);
        }
        const idScores = scoreOutputs(entry.scorer, idOut, lastLayer);
        oodOut.forEach((out, i) => {
          const oodScores = scoreOutputs(entry.scorer, out, lastLayer);
          const m = detectionMetrics(idScores, oodScores);
          const range = sharedRange(idScores, oodScores);
          const h = (v: Float32Array) => {
            const hist = histogram(v, { bins, min: range.min, max: range.max });
            return { min: hist.min, max: hist.max, edges: Array.from(hist.edges), counts: Array.from(hist.counts) };
          };
          results.push({ scorer: entry.resultName, oodSet: data.oodSets[i].name, ...m, histogram: { id: h(idScores), ood: h(oodScores) } });
        });
        progress(entry.resultName);
      }

      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
      let id = `imported-${stamp}`;
      for (let i = 2; fs.existsSync(path.join(run.evaluationsDir, `${id}.json`)); i++) id = `imported-${stamp}-${i}`;
      const result: EvaluationResult = {
        format: 'ood-lens-evaluation',
        version: 1,
        id,
        runId: run.id,
        train: { dataset: options.dataset, arch: config.arch, loss: config.loss, tau: 0, lambda: 0, seed: config.seed, epochs: 0 },
        checkpoint: { epoch: 0, dir: modelFile },
        createdAt: new Date().toISOString(),
        backend: { name: 'onnxruntime-node (cpu)', reason: `imported ONNX model; scorers on tfjs ${options.backend.name}` },
        idDataset: options.dataset,
        idCount: idOut.count,
        idAccuracy: accuracy(predicted, labels),
        calibration: calibrationResult(confidence, scaledConfidence, correct, temperature, idOut.count),
        logitNorm: { id: meanRowNorm(idOut.logits, idOut.count, k), ood: Object.fromEntries(oodOut.map((o, i) => [data.oodSets[i].name, meanRowNorm(o.logits, o.count, k)])) },
        oodSets: data.oodSets.map((s) => ({ name: s.name, count: s.count })),
        scorers: plan.run.map((r) => ({ name: r.resultName, settings: { ...r.scorer.settings } })),
        results,
        seconds: (Date.now() - started) / 1000,
        imported: {
          model: config.model,
          preprocessing: pre,
          features: graph.features,
          finalLayer: graph.finalLayer?.description,
          notes: [...graph.notes, ...plan.notes, 'temperature fitted on the ID test images'],
          skipped: plan.skipped,
        },
      };
      fs.mkdirSync(run.evaluationsDir, { recursive: true });
      const file = path.join(run.evaluationsDir, `${id}.json`);
      writeJsonAtomic(file, result);
      run.update({ status: 'done', pid: undefined, bestTestAccuracy: result.idAccuracy });
      emit({ type: 'evaluation', runId: run.id, checkpoint: modelFile, evaluationId: id, path: file });
      emit({ type: 'finished', job: 'evaluate', runId: run.id, status: 'done' });
      log(`${formatShape([pre.height, pre.width, pre.channels])} ${pre.layout.toUpperCase()} input, ${idOut.count} ID test images, ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return { result, file, run };
    } catch (e) {
      const cancelled = e instanceof EvaluationCancelled;
      run.update({ status: cancelled ? 'cancelled' : 'failed', pid: undefined, error: cancelled ? undefined : (e as Error).message });
      throw Object.assign(e as Error, { runId: run.id });
    }
  } finally {
    for (const s of scorers) s.dispose?.();
    for (const t of lastLayerTensors) t.dispose();
    await model.dispose();
  }
}
