/**
 * The learning rate, Nesterov switch and schedule a run gets when the user names none: the one
 * source of these defaults for the CLI (`ood-lens train` without --lr / --schedule / --nesterov)
 * and the extension (its settings' "auto" values leave the flags out; "Train..." shows these
 * values). Free of tfjs, so the extension may import it.
 *
 * Why per architecture: LogitNorm's loss does not see the scale of the logits, so on networks
 * whose penultimate features have no batch norm (mlp, lenet, cnn) nothing holds the logit norm
 * at the paper's lr 0.1 and it runs away (seen in PyTorch as in OOD Lens: LeNet, full MNIST,
 * 5 epochs: 11% accuracy, logit norm 1.9e5). At lr 0.01 those networks train with either loss.
 * The networks with batch norm before the logits (cnn-bn, the WRN, ResNets and DenseNet) get the
 * paper's recipe: lr 0.1, Nesterov momentum, cosine decay.
 *
 * Why a warm-up that is a fraction of the run: LogitNorm's gradient scales with 1 / (tau ||f||),
 * large while the logits are small at initialisation, so every default run starts with a linear
 * warm-up; but a fixed one-epoch warm-up under a one-epoch cosine keeps the rate low for the
 * whole run. A fifth of the run, at most one epoch.
 */

export interface TrainingRecipe {
  lr: number;
  nesterov: boolean;
  /** A schedule `--schedule` takes, e.g. `cosine+warmup:0.2`. */
  schedule: string;
}

interface ArchitectureRate {
  lr: number;
  nesterov: boolean;
}

/** The paper's optimiser: SGD, lr 0.1, Nesterov momentum 0.9 (with cosine decay, below). */
const PAPER_RATE: ArchitectureRate = { lr: 0.1, nesterov: true };
/** No batch norm before the logits: a tenth of the paper's rate, plain momentum. */
const NO_BATCH_NORM_RATE: ArchitectureRate = { lr: 0.01, nesterov: false };

/** Per architecture, by the registry's names; an unknown name gets the safe (low) rate. */
export const ARCHITECTURE_RATES: Readonly<Record<string, ArchitectureRate>> = {
  mlp: NO_BATCH_NORM_RATE,
  lenet: NO_BATCH_NORM_RATE,
  cnn: NO_BATCH_NORM_RATE,
  'cnn-bn': PAPER_RATE,
  'wrn-40-2': PAPER_RATE,
  resnet18: PAPER_RATE,
  resnet34: PAPER_RATE,
  'densenet-bc-100': PAPER_RATE,
};

export const WARMUP_FRACTION = 0.2;
export const MAX_WARMUP_EPOCHS = 1;

/** A fifth of the run, at most one epoch, rounded to 1/1000 of an epoch. */
export function defaultWarmupEpochs(epochs: number): number {
  const warmup = Math.min(MAX_WARMUP_EPOCHS, WARMUP_FRACTION * Math.max(0, epochs));
  return Math.max(0.001, Math.round(warmup * 1000) / 1000);
}

export function defaultSchedule(epochs: number): string {
  return `cosine+warmup:${defaultWarmupEpochs(epochs)}`;
}

/** The tau the low rate was found for; LogitNorm with a smaller tau gets a proportionally lower rate. */
export const REFERENCE_TAU = 0.04;

/**
 * The recipe of an architecture for a run of `epochs`. On the networks without batch norm before
 * the logits, LogitNorm with tau below 0.04 gets lr 0.01 * tau / 0.04: its gradient scales with
 * 1 / tau (d loss / d f = (softmax - onehot) projected / (tau ||f||)), and at tau 0.005 and lr 0.01
 * LeNet's logit norm ran away (2,290 after one epoch of MNIST, 43.7% accuracy); at 0.00125 it
 * trained (91.5%). The networks with batch norm keep the paper's 0.1 for every tau (its sweep).
 */
export function defaultRecipe(arch: string, epochs: number, training: { loss?: string; tau?: number } = {}): TrainingRecipe {
  const rate = ARCHITECTURE_RATES[arch] ?? NO_BATCH_NORM_RATE;
  let lr = rate.lr;
  if (rate === NO_BATCH_NORM_RATE && training.loss === 'logitnorm' && training.tau !== undefined && training.tau > 0 && training.tau < REFERENCE_TAU) {
    lr = Number((rate.lr * (training.tau / REFERENCE_TAU)).toPrecision(6));
  }
  return { lr, nesterov: rate.nesterov, schedule: defaultSchedule(epochs) };
}

/**
 * The fewest training steps with which an architecture's default recipe was seen to learn (test
 * accuracy of 80% or more on MNIST, three seeds of three, LogitNorm tau 0.04 and cross-entropy,
 * batch 128; `ood-lens train --dataset mnist --arch A --epochs 1 --limit N --seed S`). A shorter
 * run gets the one-line `short-run` warning. Why no recipe fixes it: LogitNorm's gradient is
 * 1 / (tau ||f||) times cross-entropy's, about 125 times at LeNet's initial ||f|| of 0.2, so the
 * first steps grow the norm, and the grown norm slows learning as 1 / ||f||; a longer warm-up or a
 * lower rate keeps the norm down but then 50 steps are too few to learn (LeNet at 50 steps, seed 1:
 * lr 0.0003-0.1 with warm-ups of 20-100% of the run, or none, ended at 10-47%; cross-entropy at lr 0.01 at 33%).
 *
 * - lenet, LogitNorm: 50 steps 11.7% (seed 1); 100 steps 24.8 / 26.8 / 11.4%; 200 steps
 *   91.4 / 90.5 / 40.2% (seed 3 ran away); 400 steps 97.1 / 96.9 / 95.0%. Cross-entropy: 100 steps
 *   76.1 / 48.8 / 64.9%, 400 steps 95.0 / 95.0 / 95.7%.
 * - cnn (no batch norm before the logits, the same recipe as lenet; measured on tfjs-node),
 *   LogitNorm: 100 steps 37.5 / 52.8 / 39.8% (logit norm 1,160-1,490); 200 steps 81.9 / 92.8 /
 *   87.0%, just over the line with a logit norm of 86-352, running away; 400 steps 97.2 / 97.4 /
 *   97.2% (norm 27-37). Cross-entropy: 100 steps 94.7 / 95.1 / 94.6%, 200 steps 96.7-97.0%,
 *   400 steps 97.8-98.0%. 400, as lenet: 200 passes the 80% line on all three seeds only just,
 *   with the norm running away.
 * - mlp, LogitNorm: 50 steps 47.8 / 65.6 / 79.5%, 100 steps 81.6 / 82.9 / 85.8%; cross-entropy
 *   50 steps 72.8 / 66.1 / 68.8%, 100 steps 84.5 / 84.7 / 84.1%.
 * - cnn-bn (the paper's recipe): 50 steps LogitNorm 94.6 / 93.4 / 94.5%, cross-entropy
 *   97.1 / 97.1 / 97.2%, so no minimum; the networks with batch norm before the logits get none.
 */
export const MIN_STEPS: Readonly<Record<string, number>> = {
  mlp: 100,
  lenet: 400,
  cnn: 400,
};

/**
 * The `short-run` warning of a run of `totalSteps` steps, one line; undefined when the
 * architecture has no known minimum or the run reaches it.
 */
export function shortRunWarning(arch: string, totalSteps: number, run: { epochs: number; images: number; batchSize: number }): string | undefined {
  const needed = MIN_STEPS[arch];
  if (needed === undefined || totalSteps >= needed) return undefined;
  const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
  return (
    `short-run: ${plural(totalSteps, 'training step')} (${plural(run.epochs, 'epoch')} of ${plural(run.images, 'image')} at batch ${run.batchSize}); ` +
    `${arch} needs about ${needed} steps to learn with its recipe (on MNIST fewer left it far below, some runs at chance, 10%): ` +
    `train on more images or for more epochs, or use --arch cnn-bn, which learned in 50 steps.`
  );
}

/** One line for `--help` and the README. */
export const RECIPE_SUMMARY =
  'Without --lr / --schedule / --nesterov the run gets its architecture\'s recipe: ' +
  `lr 0.1 with Nesterov momentum for the networks with batch norm before the logits (${archsWith(PAPER_RATE).join(', ')}), ` +
  `lr 0.01 with plain momentum for the others (${archsWith(NO_BATCH_NORM_RATE).join(', ')}), where LogitNorm's logit norm runs away at 0.1 ` +
  `(LogitNorm with tau below ${REFERENCE_TAU} on them: lr 0.01 * tau / ${REFERENCE_TAU}, its gradient grows as 1 / tau); ` +
  `both with cosine decay after a linear warm-up over ${WARMUP_FRACTION * 100}% of the run (at most ${MAX_WARMUP_EPOCHS} epoch). ` +
  `No recipe found trains the networks without batch norm in a few dozen steps: a run shorter than ${minStepsText()} gets a short-run warning.`;

function minStepsText(): string {
  return Object.entries(MIN_STEPS).map(([arch, steps]) => `${steps} steps (${arch})`).join(', ');
}

function archsWith(rate: ArchitectureRate): string[] {
  return Object.keys(ARCHITECTURE_RATES).filter((arch) => ARCHITECTURE_RATES[arch] === rate);
}
