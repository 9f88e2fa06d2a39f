import * as path from 'node:path';
import { initBackend, isBackendName, BACKEND_NAMES } from '../../core/backend';
import { UserInputError } from '../../core/errors';
import { defaultCacheDir } from '../../core/data/cacheDir';
import { DEFAULT_TRAIN_CONFIG, describeConfig, validateTrainConfig, type TrainConfig } from '../../core/train/config';
import { defaultRecipe, RECIPE_SUMMARY } from '../../core/train/recipe';
import { checkTrainNames, train, TrainingDivergedError } from '../../core/train/trainer';
import { RunStore, defaultRunsRoot, type Run } from '../../core/runs/runStore';
import { listOption, numberOption, parseCommandArgs, stringOption, type OptionSpec } from '../args';
import { Output } from '../output';
import { onStopSignal } from '../signals';

export const TRAIN_USAGE = `usage: ood-lens train --dataset mnist --arch lenet --loss logitnorm [--tau 0.04] [--lambda 0.05]
         [--epochs 5] [--batch-size 128] [--lr LR] [--momentum 0.9] [--nesterov|--no-nesterov] [--weight-decay 5e-4]
         [--schedule cosine|step:80,140|constant[+warmup:EPOCHS]] [--dropout 0.3] [--seed 1] [--limit N] [--no-augment]
         [--ood-probe gaussian] [--probe-size 1000] [--val-fraction 0.1] [--checkpoint-every 1]
         [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--workers 1] [--micro-batch N] [--data-dir DIR] [--cache-dir DIR]
         [--out RUNS_DIR] [--events jsonl]
       ood-lens train --resume RUN [--epochs N] [--workers N] [--micro-batch N] [--out RUNS_DIR] [--events jsonl]
architectures: mlp, lenet, cnn, cnn-bn (batch norm before the logits), wrn-40-2, resnet18, resnet34, densenet-bc-100
${RECIPE_SUMMARY}`;

export const COMMON_OPTIONS: OptionSpec = {
  out: { type: 'string' },
  'cache-dir': { type: 'string' },
  'data-dir': { type: 'string' },
  backend: { type: 'string' },
  events: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const TRAIN_OPTIONS: OptionSpec = {
  ...COMMON_OPTIONS,
  dataset: { type: 'string' },
  arch: { type: 'string' },
  loss: { type: 'string' },
  tau: { type: 'string' },
  lambda: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  nesterov: { type: 'boolean' },
  'no-nesterov': { type: 'boolean' },
  'weight-decay': { type: 'string' },
  schedule: { type: 'string' },
  dropout: { type: 'string' },
  seed: { type: 'string' },
  limit: { type: 'string' },
  'no-augment': { type: 'boolean' },
  'ood-probe': { type: 'string' },
  'probe-size': { type: 'string' },
  'val-fraction': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  resume: { type: 'string' },
  workers: { type: 'string' },
  'micro-batch': { type: 'string' },
};

export function eventsMode(values: Record<string, string | boolean | undefined>): boolean {
  const events = stringOption(values, 'events');
  if (events === undefined) return false;
  if (events !== 'jsonl') throw new UserInputError(`--events expects 'jsonl', got '${events}'`, events, 'jsonl');
  return true;
}

export function backendOption(values: Record<string, string | boolean | undefined>, fallback = 'auto') {
  const name = stringOption(values, 'backend', fallback);
  if (!isBackendName(name)) throw new UserInputError(`unknown backend '${name}': expected one of ${BACKEND_NAMES.join(', ')}`, name, BACKEND_NAMES.join(', '));
  return name;
}

export function runsRootOption(values: Record<string, string | boolean | undefined>): string {
  return path.resolve(stringOption(values, 'out') ?? defaultRunsRoot());
}

export function configFromArgs(values: Record<string, string | boolean | undefined>): TrainConfig {
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
    augment: values['no-augment'] !== true,
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

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, TRAIN_OPTIONS, TRAIN_USAGE);
  if (values.help) {
    process.stdout.write(TRAIN_USAGE + '\n');
    return 0;
  }
  const out = new Output(eventsMode(values));
  const store = new RunStore(runsRootOption(values));

  // Check everything the user gave (config, backend) before a run folder is made.
  let run: Run<TrainConfig> | undefined;
  let config: TrainConfig;
  const resume = stringOption(values, 'resume');
  if (resume !== undefined) {
    run = store.open<TrainConfig>(resume);
    const epochs = stringOption(values, 'epochs');
    config = { ...run.record.config, ...(epochs !== undefined ? { epochs: numberOption(values, 'epochs', 0) } : {}) };
    if (values.backend !== undefined) config.backend = backendOption(values);
    if (values.workers !== undefined) config.workers = numberOption(values, 'workers', 1);
    if (values['micro-batch'] !== undefined) config.microBatch = numberOption(values, 'micro-batch', 1);
    validateTrainConfig(config);
    if (run.record.epochsDone >= config.epochs && run.observedStatus === 'done') {
      throw new UserInputError(`run ${run.id} already finished its ${config.epochs} epochs; pass --epochs N (N > ${config.epochs}) to train it further`, resume, `--epochs > ${config.epochs}`);
    }
  } else {
    config = configFromArgs(values);
  }
  checkTrainNames(config);
  const backend = await initBackend(config.backend as Parameters<typeof initBackend>[0]);
  if (run) run.update({ config, status: 'running' });
  else run = store.create(describeConfig(config), config);

  const stop = onStopSignal();
  try {
    const status = await train(run, {
      cacheDir: stringOption(values, 'cache-dir') ?? defaultCacheDir(),
      backend: { name: backend.name, reason: backend.reason },
      hooks: { onEvent: (e) => out.emit(e), shouldStop: stop.requested, log: (m) => out.log(m) },
    });
    if (!out.jsonEvents) printHistory(out, run);
    return status === 'cancelled' ? 130 : 0;
  } catch (e) {
    // train() has marked the run failed; a diverged loss is the run's failure, not a bug.
    if (e instanceof TrainingDivergedError) {
      out.emit({ type: 'error', job: 'train', runId: run.id, message: e.message, userError: false });
      return 1;
    }
    throw Object.assign(e as Error, { runId: run.id });
  } finally {
    stop.dispose();
  }
}

function printHistory(out: Output, run: Run<TrainConfig>): void {
  const history = run.history();
  if (history.length === 0) return;
  out.info(`\n${run.id}`);
  out.info('epoch  train loss  train acc  test acc  |f| ID train  |f| ID test  |f| OOD probe  img/s');
  for (const h of history) {
    out.info(
      `${String(h.epoch).padStart(5)}  ${h.trainLoss.toFixed(4).padStart(10)}  ${(100 * h.trainAccuracy).toFixed(2).padStart(8)}%  ${(100 * h.testAccuracy).toFixed(2).padStart(7)}%  ` +
        `${h.logitNormTrain.toFixed(2).padStart(12)}  ${h.logitNormTest.toFixed(2).padStart(11)}  ${h.logitNormOod.toFixed(2).padStart(13)}  ${h.imagesPerSecond.toFixed(0).padStart(5)}`,
    );
  }
}
