/**
 * The options several commands share, each written once: where runs and data live and how the
 * command talks (every command), a training run's settings (train, sweep, bench replicate), and
 * an evaluation's (evaluate, sweep). Each table comes with the function that reads it, so a flag
 * means the same in every command that takes it.
 */
import * as path from 'node:path';
import { BACKEND_NAMES, isBackendName, type BackendName } from '../core/backend';
import { AUGMENT_MODES, isAugmentMode, type AugmentMode } from '../core/data/augmentation';
import { UserInputError } from '../core/errors';
import { DEFAULT_OOD_SETS, DEFAULT_SCORERS } from '../core/evaluate/evaluate';
import { defaultRunsRoot } from '../core/runs/runStore';
import type { ScorerOptions } from '../core/scorers';
import { DEFAULT_TRAIN_CONFIG, validateTrainConfig, type TrainConfig } from '../core/train/config';
import { defaultRecipe } from '../core/train/recipe';
import { listOption, numberOption, stringOption, type OptionSpec, type OptionValues } from './args';

/** `{ name: { type: 'string' } }` for each name. */
export function stringOptions(...names: string[]): OptionSpec {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
}

/** `{ name: { type: 'boolean' } }` for each name. */
export function booleanOptions(...names: string[]): OptionSpec {
  return Object.fromEntries(names.map((name) => [name, { type: 'boolean' as const }]));
}

/** Every command that trains or evaluates: --out RUNS_DIR, --cache-dir, --data-dir, --backend, --events jsonl, --help. */
export const COMMON_OPTIONS: OptionSpec = {
  ...stringOptions('out', 'cache-dir', 'data-dir', 'backend', 'events'),
  help: { type: 'boolean', short: 'h' },
};

/** A training run's settings (train, sweep, bench replicate): TrainConfig in kebab-case. */
export const TRAIN_CONFIG_OPTIONS: OptionSpec = {
  ...stringOptions('dataset', 'arch', 'augment', 'loss', 'tau', 'lambda', 'epochs', 'batch-size', 'lr', 'momentum', 'weight-decay', 'schedule', 'dropout', 'seed', 'limit', 'ood-probe', 'probe-size', 'val-fraction', 'checkpoint-every', 'workers', 'micro-batch'),
  ...booleanOptions('nesterov', 'no-nesterov', 'no-augment'),
};

/** An evaluation's settings (evaluate, sweep). */
export const EVALUATION_OPTIONS: OptionSpec = {
  ...stringOptions('ood', 'scorers', 'ood-count', 'id-limit', 'fit-samples'),
  option: { type: 'string', multiple: true },
};

export function eventsMode(values: OptionValues): boolean {
  const events = stringOption(values, 'events');
  if (events === undefined) return false;
  if (events !== 'jsonl') throw new UserInputError(`--events expects 'jsonl', got '${events}'`, events, 'jsonl');
  return true;
}

export function backendOption(values: OptionValues, fallback = 'auto'): BackendName {
  const name = stringOption(values, 'backend', fallback);
  if (!isBackendName(name)) throw new UserInputError(`unknown backend '${name}': expected one of ${BACKEND_NAMES.join(', ')}`, name, BACKEND_NAMES.join(', '));
  return name;
}

export function runsRootOption(values: OptionValues): string {
  return path.resolve(stringOption(values, 'out') ?? defaultRunsRoot());
}

/** A training run's config from TRAIN_CONFIG_OPTIONS; what the user leaves out comes from the defaults and the architecture's recipe. */
export function configFromArgs(values: OptionValues): TrainConfig {
  const d = DEFAULT_TRAIN_CONFIG;
  const limit = stringOption(values, 'limit');
  if (values.nesterov === true && values['no-nesterov'] === true) {
    throw new UserInputError('--nesterov and --no-nesterov contradict each other: give one of them', '--nesterov --no-nesterov', 'one of --nesterov, --no-nesterov');
  }
  const arch = stringOption(values, 'arch', d.arch);
  const epochs = numberOption(values, 'epochs', d.epochs);
  const loss = stringOption(values, 'loss', d.loss);
  const tau = numberOption(values, 'tau', d.tau);
  // What the user leaves out comes from the architecture's recipe (core/train/recipe.ts).
  const recipe = defaultRecipe(arch, epochs, { loss, tau });
  const config: TrainConfig = {
    dataset: stringOption(values, 'dataset', d.dataset),
    arch,
    loss,
    tau,
    lambda: numberOption(values, 'lambda', d.lambda),
    epochs,
    batchSize: numberOption(values, 'batch-size', d.batchSize),
    lr: numberOption(values, 'lr', recipe.lr),
    momentum: numberOption(values, 'momentum', d.momentum),
    nesterov: values.nesterov === true ? true : values['no-nesterov'] === true ? false : recipe.nesterov,
    weightDecay: numberOption(values, 'weight-decay', d.weightDecay),
    schedule: stringOption(values, 'schedule', recipe.schedule),
    dropout: numberOption(values, 'dropout', d.dropout),
    seed: numberOption(values, 'seed', d.seed),
    limit: limit === undefined ? undefined : numberOption(values, 'limit', 0),
    augment: augmentOption(values),
    oodProbe: stringOption(values, 'ood-probe', d.oodProbe),
    probeSize: numberOption(values, 'probe-size', d.probeSize),
    valFraction: numberOption(values, 'val-fraction', d.valFraction),
    backend: backendOption(values),
    checkpointEvery: numberOption(values, 'checkpoint-every', d.checkpointEvery),
    dataDir: stringOption(values, 'data-dir'),
    ...(values.workers !== undefined ? { workers: numberOption(values, 'workers', 1) } : {}),
    ...(values['micro-batch'] !== undefined ? { microBatch: numberOption(values, 'micro-batch', 1) } : {}),
  };
  return validateTrainConfig(config);
}

/** --augment auto|none|crop-flip; --no-augment is --augment none. */
function augmentOption(values: OptionValues): AugmentMode {
  const given = stringOption(values, 'augment');
  if (given !== undefined && !isAugmentMode(given)) throw new UserInputError(`--augment expects one of ${AUGMENT_MODES.join(', ')}, got '${given}'`, given, AUGMENT_MODES.join(' | '));
  if (values['no-augment'] === true) {
    if (given !== undefined && given !== 'none') throw new UserInputError(`--no-augment and --augment ${given} contradict each other: give one of them`, `--no-augment --augment ${given}`, '--augment auto|none|crop-flip');
    return 'none';
  }
  return given ?? 'auto';
}

/** "energy.temperature=0.1" -> { energy: { temperature: 0.1 } } */
export function parseScorerOptions(specs: string[]): Record<string, ScorerOptions> {
  const out: Record<string, Record<string, number>> = {};
  for (const spec of specs) {
    const m = /^([a-z]+)\.([A-Za-z]+)=(.+)$/.exec(spec);
    const value = m ? Number(m[3]) : NaN;
    if (!m || !Number.isFinite(value)) throw new UserInputError(`--option '${spec}' is not scorer.name=number (e.g. energy.temperature=0.1)`, spec, 'scorer.name=number');
    (out[m[1]] ??= {})[m[2]] = value;
  }
  return out as Record<string, ScorerOptions>;
}

/** What EVALUATION_OPTIONS give: the OOD sets, scorers and their options, and how many images. */
export interface EvaluationSettings {
  oodSets: string[];
  scorers: string[];
  scorerOptions: Record<string, ScorerOptions>;
  oodCount: number;
  idLimit?: number;
  fitSamples: number;
}

export function evaluationFromArgs(values: OptionValues, defaults: { scorers?: string[] } = {}): EvaluationSettings {
  const idLimit = stringOption(values, 'id-limit');
  const rawOptions = (values as Record<string, unknown>).option;
  return {
    oodSets: listOption(values, 'ood', DEFAULT_OOD_SETS),
    scorers: listOption(values, 'scorers', defaults.scorers ?? DEFAULT_SCORERS),
    scorerOptions: parseScorerOptions(Array.isArray(rawOptions) ? (rawOptions as string[]) : []),
    oodCount: numberOption(values, 'ood-count', 10000),
    idLimit: idLimit === undefined ? undefined : numberOption(values, 'id-limit', 0),
    fitSamples: numberOption(values, 'fit-samples', 5000),
  };
}
