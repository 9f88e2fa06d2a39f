/**
 * The OOD Lens engine as a library (dist/core.js): everything the CLI (which the extension runs as
 * a child process) uses, importable from plain Node:
 *   const { tf, initBackend, losses, metrics } = require('ood-lens/dist/core.js');
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropyLoss, logitNormLoss, logitPenaltyLoss, logitNorms, logitNormLowerBound, LOSSES, getLoss } from './losses';
import * as metricsModule from './metrics';

export { tf };
export { initBackend, BACKEND_NAMES, type BackendName, type BackendInfo } from './backend';
export { UserInputError, isUserInputError } from './errors';

/** Each takes logits [N, k] and int32 labels [N] and returns the batch-mean loss as a scalar. */
export const losses = {
  ce: (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar => crossEntropyLoss(logits, labels),
  logitnorm: (logits: tf.Tensor2D, labels: tf.Tensor1D, options: { tau?: number } = {}): tf.Scalar => logitNormLoss(logits, labels, options),
  logitpenalty: (logits: tf.Tensor2D, labels: tf.Tensor1D, options: { lambda?: number } = {}): tf.Scalar => logitPenaltyLoss(logits, labels, options),
  logitNorms,
  logitNormLowerBound,
  registry: LOSSES,
  get: getLoss,
};

/** Metrics on plain score arrays (higher = more in-distribution), fractions in [0, 1]. */
export const metrics = metricsModule;

export { buildModel, MODELS, countTrainableParams } from './models/registry';
export { loadDataset, loadOodSet, DATASETS } from './data';
export { RunStore, Run, defaultRunsRoot } from './runs/runStore';
export { loadModelFromDir, modelToFiles } from './runs/checkpoint';
export { train, prepareData, TrainingDivergedError } from './train/trainer';
// The tau sweep (Figure 5) as `ood-lens sweep` runs it, and one experiment trained then evaluated.
export { runTauSweep, trainAndEvaluate } from './sweep/tauSweep';
export { readSweepRecord, bestTauOf, type SweepRecord } from './sweep/sweepRecord';
export { DEFAULT_TRAIN_CONFIG, validateTrainConfig, type TrainConfig } from './train/config';
export { WORKER_PROTOCOL_VERSION, parseWorkerEvent, type WorkerEvent } from '../protocol';
export type { EpochStats } from './runs/history';
// Imported (ONNX) models. onnxruntime-node itself is loaded only when a model is opened.
export * as imported from './imported';
