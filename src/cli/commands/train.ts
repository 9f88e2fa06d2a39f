import { initBackend } from '../../core/backend';
import { UserInputError } from '../../core/errors';
import { defaultCacheDir } from '../../core/data/cacheDir';
import { AUGMENT_MODE_DETAILS } from '../../core/data/augmentation';
import { describeConfig, validateTrainConfig, type TrainConfig } from '../../core/train/config';
import { RECIPE_SUMMARY } from '../../core/train/recipe';
import { checkTrainNames, train, TrainingDivergedError } from '../../core/train/trainer';
import { RunStore, type Run } from '../../core/runs/runStore';
import { numberOption, parseCommandArgs, stringOption, type OptionSpec } from '../args';
import { Output } from '../output';
import { COMMON_OPTIONS, TRAIN_CONFIG_OPTIONS, backendOption, configFromArgs, eventsMode, runsRootOption, stringOptions } from '../sharedOptions';
import { onStopSignal } from '../signals';

export const TRAIN_USAGE = `usage: ood-lens train --dataset mnist --arch lenet --loss logitnorm [--tau 0.04] [--lambda 0.05]
         [--epochs 5] [--batch-size 128] [--lr LR] [--momentum 0.9] [--nesterov|--no-nesterov] [--weight-decay 5e-4]
         [--schedule cosine|step:80,140|constant[+warmup:EPOCHS]] [--dropout 0.3] [--seed 1] [--limit N] [--augment auto|none|crop-flip]
         [--ood-probe gaussian] [--probe-size 1000] [--val-fraction 0.1] [--checkpoint-every 1]
         [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--workers 1] [--micro-batch N] [--data-dir DIR] [--cache-dir DIR]
         [--out RUNS_DIR] [--events jsonl]
       ood-lens train --resume RUN [--epochs N] [--workers N] [--micro-batch N] [--out RUNS_DIR] [--events jsonl]
architectures: mlp, lenet, cnn, cnn-bn (batch norm before the logits), wrn-40-2, resnet18, resnet34, densenet-bc-100
--augment: auto (the default) = ${AUGMENT_MODE_DETAILS.auto};
  crop-flip = ${AUGMENT_MODE_DETAILS['crop-flip']}; none (also --no-augment) = ${AUGMENT_MODE_DETAILS.none}
${RECIPE_SUMMARY}`;

export const TRAIN_OPTIONS: OptionSpec = { ...COMMON_OPTIONS, ...TRAIN_CONFIG_OPTIONS, ...stringOptions('resume') };

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
