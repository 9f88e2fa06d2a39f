import { AUGMENT_MODES, isAugmentMode, type AugmentMode } from '../data/augmentation';
import { UserInputError } from '../errors';
import { DEFAULT_LAMBDA, DEFAULT_TAU, getLoss } from '../losses';
import { defaultRecipe } from './recipe';

/** Everything that defines a training run; stored in run.json, so a run can be resumed or redone. */
export interface TrainConfig {
  dataset: string;
  arch: string;
  loss: string;
  /** LogitNorm's temperature (used when loss = logitnorm). */
  tau: number;
  /** LogitPenalty's weight (used when loss = logitpenalty). */
  lambda: number;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** constant | cosine | step:80,140, optionally +warmup:E (see schedule.ts) */
  schedule: string;
  /** Dropout rate for the architectures that have dropout (WRN). */
  dropout: number;
  seed: number;
  /** Train and test on the first N images of each split (after a seeded shuffle). */
  limit?: number;
  /**
   * auto (the data set's default: crop-flip on CIFAR's binary batches, none elsewhere) | none |
   * crop-flip (data/augmentation.ts). A boolean in run.json files written before --augment:
   * true = auto, false = none.
   */
  augment: AugmentMode | boolean;
  /** The OOD set whose mean logit norm is recorded every epoch (the paper's Figure 1). */
  oodProbe: string;
  /** Images of ID train, ID test and the OOD probe used for the per-epoch logit norms. */
  probeSize: number;
  /** Fraction of the training split held out for validation (temperature scaling, tau choice). */
  valFraction: number;
  /** Backend asked for (auto | tensorflow-gpu | tensorflow | wasm | cpu). */
  backend: string;
  /** Save a checkpoint every N epochs (the last epoch always). */
  checkpointEvery: number;
  dataDir?: string;
  /**
   * Threads that share each training step (data-parallel, see dataParallel.ts) on the
   * single-threaded backends (wasm, cpu); absent or 1: the whole batch on the main thread.
   */
  workers?: number;
  /**
   * The largest micro-batch a step computes at once (microBatches.ts). Absent: the whole batch
   * when it fits the backend's memory, else the largest micro-batch that does.
   */
  microBatch?: number;
}

const DEFAULT_ARCH = 'lenet';
const DEFAULT_EPOCHS = 5;
const DEFAULT_ARCH_RECIPE = defaultRecipe(DEFAULT_ARCH, DEFAULT_EPOCHS);

/**
 * The defaults of `ood-lens train`. lr, nesterov and schedule are the default architecture's
 * recipe at the default epochs; the CLI takes them from the recipe of the architecture and epochs
 * actually given (recipe.ts), so these three only hold for lenet, 5 epochs.
 */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  dataset: 'mnist',
  arch: DEFAULT_ARCH,
  loss: 'logitnorm',
  tau: DEFAULT_TAU,
  lambda: DEFAULT_LAMBDA,
  epochs: DEFAULT_EPOCHS,
  batchSize: 128,
  lr: DEFAULT_ARCH_RECIPE.lr,
  momentum: 0.9,
  nesterov: DEFAULT_ARCH_RECIPE.nesterov,
  weightDecay: 5e-4,
  schedule: DEFAULT_ARCH_RECIPE.schedule,
  dropout: 0.3,
  seed: 1,
  augment: 'auto',
  oodProbe: 'gaussian',
  probeSize: 1000,
  valFraction: 0.1,
  backend: 'auto',
  checkpointEvery: 1,
};

/** Checks the numbers of a config; names (dataset, arch, probe) are checked where they load. */
export function validateTrainConfig(c: TrainConfig): TrainConfig {
  getLoss(c.loss);
  // Errors name the flag a person typed: batchSize -> --batch-size.
  const positiveInt = (name: keyof TrainConfig, v: number) => {
    const flag = name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    if (!Number.isInteger(v) || v < 1) throw new UserInputError(`--${flag} must be a whole number >= 1, got ${v}`, String(v), 'an integer >= 1');
  };
  positiveInt('epochs', c.epochs);
  positiveInt('batchSize', c.batchSize);
  positiveInt('probeSize', c.probeSize);
  positiveInt('checkpointEvery', c.checkpointEvery);
  if (c.limit !== undefined) positiveInt('limit', c.limit);
  if (c.microBatch !== undefined) positiveInt('microBatch', c.microBatch);
  if (c.workers !== undefined) {
    positiveInt('workers', c.workers);
    if (c.workers > 16) throw new UserInputError(`--workers must be at most 16, got ${c.workers}`, String(c.workers), 'an integer in [1, 16]');
  }
  const inRange = (name: string, v: number, lo: number, hi: number) => {
    if (!(v >= lo && v <= hi)) throw new UserInputError(`--${name} must be in [${lo}, ${hi}], got ${v}`, String(v), `a number in [${lo}, ${hi}]`);
  };
  inRange('lr', c.lr, 0, 100);
  inRange('momentum', c.momentum, 0, 0.9999);
  inRange('weight-decay', c.weightDecay, 0, 1);
  inRange('dropout', c.dropout, 0, 0.95);
  inRange('val-fraction', c.valFraction, 0, 0.5);
  if (!(c.tau > 0)) throw new UserInputError(`--tau must be > 0, got ${c.tau}`, String(c.tau), 'a number > 0');
  inRange('lambda', c.lambda, 0, 1e6);
  if (c.augment !== undefined && typeof c.augment !== 'boolean' && !isAugmentMode(c.augment)) {
    throw new UserInputError(`augment must be one of ${AUGMENT_MODES.join(', ')}, got '${String(c.augment)}'`, String(c.augment), AUGMENT_MODES.join(' | '));
  }
  if (!Number.isInteger(c.seed)) throw new UserInputError(`--seed must be an integer, got ${c.seed}`, String(c.seed), 'an integer');
  return c;
}

/** A short readable name for run ids and tables: "mnist-lenet-logitnorm-t0.04-s1". */
export function describeConfig(c: TrainConfig): string {
  const param = c.loss === 'logitnorm' ? `-t${c.tau}` : c.loss === 'logitpenalty' ? `-l${c.lambda}` : '';
  const dataset = c.dataset.replace(/^.*[\\/]/, '');
  return `${dataset}-${c.arch}-${c.loss}${param}-s${c.seed}`;
}
