/**
 * The command lines the extension gives the engine's CLI (`node dist/cli.js ...`). Pure: the
 * options come in as plain values (from settings and quick picks), the argv goes out, so what the
 * extension asks for is unit-tested without VS Code. Every job gets `--events jsonl` and `--out`.
 */
import type { AugmentMode } from '../core/data/augmentation';

export interface TrainOptions {
  dataset: string;
  architecture: string;
  loss: string;
  tau: number;
  lambda: number;
  epochs: number;
  batchSize: number;
  /** undefined: the engine's recipe for the architecture (core/train/recipe.ts). */
  lr?: number;
  /** undefined: the engine's recipe (cosine after a warm-up of a fifth of the run). */
  schedule?: string;
  seed?: number;
  /** Train on the first N training images only; undefined = all of them. */
  limit?: number;
  oodProbe?: string;
  /** undefined or 'auto': the data set's own (crop-flip for CIFAR's batches, none otherwise). */
  augment?: AugmentMode;
  backend: string;
  dataFolder?: string;
  cacheFolder?: string;
  runsFolder: string;
}

export interface EvaluateOptions {
  /** A run folder or a checkpoint folder `<run>/checkpoints/epoch-N`. */
  target: string;
  oodSets: string[];
  scorers: string[];
  oodCount?: number;
  idLimit?: number;
  backend: string;
  cacheFolder?: string;
  runsFolder: string;
}

/** The flags of a training run's settings but its loss: train and sweep take them alike. */
function runSettingArguments(options: Omit<TrainOptions, 'loss' | 'tau' | 'lambda'>): string[] {
  const args = ['--dataset', options.dataset, '--arch', options.architecture, '--epochs', String(options.epochs), '--batch-size', String(options.batchSize), '--backend', options.backend];
  if (options.lr !== undefined) args.push('--lr', String(options.lr));
  if (options.schedule) args.push('--schedule', options.schedule);
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.limit !== undefined && options.limit > 0) args.push('--limit', String(options.limit));
  if (options.oodProbe) args.push('--ood-probe', options.oodProbe);
  if (options.augment !== undefined && options.augment !== 'auto') args.push('--augment', options.augment);
  if (options.dataFolder) args.push('--data-dir', options.dataFolder);
  if (options.cacheFolder) args.push('--cache-dir', options.cacheFolder);
  return args;
}

export function trainArguments(options: TrainOptions): string[] {
  const args = ['train', ...runSettingArguments(options), '--loss', options.loss];
  if (options.loss === 'logitnorm') args.push('--tau', String(options.tau));
  if (options.loss === 'logitpenalty') args.push('--lambda', String(options.lambda));
  args.push('--out', options.runsFolder, '--events', 'jsonl');
  return args;
}

export interface SweepOptions {
  taus: number[];
  /** Every setting of a run but the loss (LogitNorm) and its tau. */
  train: Omit<TrainOptions, 'loss' | 'tau' | 'lambda'>;
  oodSets: string[];
  scorers: string[];
  /** The scorer whose FPR95 is plotted and chosen by. */
  scorer: string;
  oodCount?: number;
}

/** `ood-lens sweep ...`: the whole tau sweep as one job (core/sweep/tauSweep.ts). */
export function sweepArguments(options: SweepOptions): string[] {
  if (options.taus.length < 2) throw new Error('a sweep needs two or more taus');
  if (options.oodSets.length === 0) throw new Error('a sweep needs at least one OOD set');
  const args = ['sweep', '--taus', options.taus.join(','), ...runSettingArguments(options.train), '--ood', options.oodSets.join(','), '--scorers', options.scorers.join(','), '--scorer', options.scorer];
  if (options.oodCount !== undefined && options.oodCount > 0) args.push('--ood-count', String(options.oodCount));
  args.push('--out', options.train.runsFolder, '--events', 'jsonl');
  return args;
}

export function evaluateArguments(options: EvaluateOptions): string[] {
  if (options.oodSets.length === 0) throw new Error('evaluate needs at least one OOD set');
  if (options.scorers.length === 0) throw new Error('evaluate needs at least one scorer');
  const args = ['evaluate', options.target, '--ood', options.oodSets.join(','), '--scorers', options.scorers.join(','), '--backend', options.backend];
  if (options.oodCount !== undefined && options.oodCount > 0) args.push('--ood-count', String(options.oodCount));
  if (options.idLimit !== undefined && options.idLimit > 0) args.push('--id-limit', String(options.idLimit));
  if (options.cacheFolder) args.push('--cache-dir', options.cacheFolder);
  args.push('--out', options.runsFolder, '--events', 'jsonl');
  return args;
}

export interface EvaluateModelOptions {
  /** The .onnx file */
  model: string;
  /** A registered data set name or an image folder */
  dataset: string;
  /** A preprocessing preset; undefined when the sidecar gives mean and std */
  preset?: string;
  oodSets: string[];
  scorers: string[];
  oodCount?: number;
  backend: string;
  dataFolder?: string;
  cacheFolder?: string;
  runsFolder: string;
}

/** `ood-lens evaluate MODEL.onnx ...`: an imported model's evaluation (the rest of its preprocessing comes from its sidecar). */
export function evaluateModelArguments(options: EvaluateModelOptions): string[] {
  if (options.oodSets.length === 0) throw new Error('evaluate needs at least one OOD set');
  if (options.scorers.length === 0) throw new Error('evaluate needs at least one scorer');
  const args = ['evaluate', options.model, '--dataset', options.dataset, '--ood', options.oodSets.join(','), '--scorers', options.scorers.join(','), '--backend', options.backend];
  if (options.preset) args.push('--preset', options.preset);
  if (options.oodCount !== undefined && options.oodCount > 0) args.push('--ood-count', String(options.oodCount));
  if (options.dataFolder) args.push('--data-dir', options.dataFolder);
  if (options.cacheFolder) args.push('--cache-dir', options.cacheFolder);
  args.push('--out', options.runsFolder, '--events', 'jsonl');
  return args;
}

/** A short title for a train job ("LogitNorm tau=0.04 · lenet on mnist, 5 epochs"). */
export function trainJobTitle(options: Pick<TrainOptions, 'loss' | 'tau' | 'lambda' | 'architecture' | 'dataset' | 'epochs'>): string {
  const loss = lossLabel(options.loss);
  const parameter = options.loss === 'logitnorm' ? ` tau=${options.tau}` : options.loss === 'logitpenalty' ? ` lambda=${options.lambda}` : '';
  return `Train ${loss}${parameter} · ${options.architecture} on ${options.dataset}, ${options.epochs} epoch${options.epochs === 1 ? '' : 's'}`;
}

export function lossLabel(loss: string): string {
  switch (loss) {
    case 'logitnorm':
      return 'LogitNorm';
    case 'ce':
      return 'Cross-Entropy';
    case 'logitpenalty':
      return 'LogitPenalty';
    default:
      return loss;
  }
}
