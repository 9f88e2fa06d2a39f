import { initBackend } from '../../core/backend';
import { defaultCacheDir } from '../../core/data/cacheDir';
import { UserInputError } from '../../core/errors';
import { EvaluationCancelled, checkScorerNames, evaluateCheckpoint, resolveCheckpoint } from '../../core/evaluate/evaluate';
import { evaluationTable, renderText } from '../../core/evaluate/report';
import { RunStore } from '../../core/runs/runStore';
import { numberOption, parseCommandArgs, stringOption } from '../args';
import { Output } from '../output';
import { COMMON_OPTIONS, EVALUATION_OPTIONS, backendOption, booleanOptions, evaluationFromArgs, eventsMode, runsRootOption, stringOptions } from '../sharedOptions';
import { onStopSignal } from '../signals';
import { IMPORTED_OPTIONS, evaluateImportedCommand } from './evaluateImported';

export const EVALUATE_USAGE = `usage: ood-lens evaluate RUN_OR_CHECKPOINT [--ood fashion-mnist,gaussian,uniform] [--scorers msp,odin,energy,gradnorm]
         [--option scorer.name=value ...] [--ood-count 10000] [--id-limit N] [--fit-samples 5000]
         [--normalised-logits] [--normalised-tau TAU]
         [--backend auto|...] [--out RUNS_DIR] [--cache-dir DIR] [--json] [--events jsonl]
       ood-lens evaluate MODEL.onnx --dataset NAME_OR_FOLDER [--data-dir DIR] [--ood ...] [--scorers ...]
         [--preset cifar10|cifar100|imagenet|none] [--mean r,g,b --std r,g,b] [--layout nchw|nhwc]
         [--size HxW] [--channels 1|3] [--features TENSOR] [--seed 1] [--batch-size 256] [--threads N]
  RUN_OR_CHECKPOINT: a run id, a run folder, or a checkpoint folder (<run>/checkpoints/epoch-N)
  MODEL.onnx: any ONNX classifier (one image input, logits out), evaluated into a run of kind
    'imported'; preprocessing the input shape does not fix comes from the flags, else from
    MODEL.oodlens.json beside it, else the preset. odin runs as odin-t (temperature only: ONNX
    Runtime gives no input gradients); scorers that need features or the final layer the graph
    does not give are skipped, with the reason.
  --id-limit N: score a seeded random N of the ID test images (the run's seed; --seed for MODEL.onnx), not the first N
    (an image folder lists its images class by class)
  scorers: msp, odin, energy, gradnorm, maxlogit, react, knn, mahalanobis
  options, e.g.: --option energy.temperature=0.1 --option odin.epsilon=0.0014 --option knn.neighbours=50
  --normalised-logits: also score msp, maxlogit, energy and odin on f / (tau ||f||) instead of the raw logits f,
    side by side in the table as "FPR95 normalised", "AUROC normalised" (tau: --normalised-tau, else the run's tau)`;

export async function evaluateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...COMMON_OPTIONS, ...EVALUATION_OPTIONS, ...booleanOptions('json', 'normalised-logits'), ...stringOptions('normalised-tau'), ...IMPORTED_OPTIONS },
    EVALUATE_USAGE,
  );
  if (values.help) {
    process.stdout.write(EVALUATE_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UserInputError(`evaluate takes one run or checkpoint, got ${positionals.length}\n${EVALUATE_USAGE}`, positionals.join(' '), 'RUN_OR_CHECKPOINT');
  const out = new Output(eventsMode(values), values.json === true);
  const settings = evaluationFromArgs(values);
  const { scorers, scorerOptions } = settings;
  if (/\.onnx$/i.test(positionals[0])) return evaluateImportedCommand(positionals[0], values, out, settings);
  const importedOnly = Object.keys(IMPORTED_OPTIONS).filter((name) => values[name] !== undefined);
  if (importedOnly.length > 0) {
    throw new UserInputError(`--${importedOnly[0]} is for ONNX models (MODEL.onnx), not for ${positionals[0]}`, `--${importedOnly[0]}`, 'a .onnx model');
  }
  checkScorerNames(scorers, scorerOptions);
  if (values['normalised-tau'] !== undefined && values['normalised-logits'] !== true) {
    throw new UserInputError('--normalised-tau needs --normalised-logits', String(values['normalised-tau']), '--normalised-logits --normalised-tau TAU');
  }
  const { run, checkpoint } = resolveCheckpoint(new RunStore(runsRootOption(values)), positionals[0]);
  let normalisedLogitsTau: number | undefined;
  if (values['normalised-logits'] === true) {
    normalisedLogitsTau = numberOption(values, 'normalised-tau', run.record.config.tau);
    if (!(normalisedLogitsTau > 0)) throw new UserInputError(`--normalised-tau must be > 0, got ${normalisedLogitsTau}`, String(normalisedLogitsTau), 'a number > 0');
  }
  const backend = await initBackend(backendOption(values));
  const stop = onStopSignal();
  try {
    const { result, file } = await evaluateCheckpoint(run, checkpoint, {
      ...settings,
      normalisedLogitsTau,
      cacheDir: stringOption(values, 'cache-dir') ?? defaultCacheDir(),
      backend: { name: backend.name, reason: backend.reason },
      hooks: { onEvent: (e) => out.emit(e), shouldStop: stop.requested, log: (m) => out.log(m) },
    });
    if (values.json) {
      if (!out.jsonEvents) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    } else {
      const c = result.calibration;
      out.info(
        `\n${run.id}, checkpoint epoch ${checkpoint.epoch}: ID accuracy ${(100 * result.idAccuracy).toFixed(2)}% on ${result.idCount} ${result.idDataset} test images\n` +
          `ECE ${(100 * c.ece).toFixed(2)}%, with temperature scaling (T = ${c.temperature.toFixed(3)}) ${(100 * c.eceTemperatureScaled).toFixed(2)}%\n` +
          `mean logit norm: ID ${result.logitNorm.id.toFixed(2)}; ${Object.entries(result.logitNorm.ood).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('; ')}\n`,
      );
      out.info(renderText(evaluationTable(result)) + '\n');
      out.info(`written to ${file} (${result.seconds.toFixed(1)} s)`);
    }
    return 0;
  } catch (e) {
    if (e instanceof EvaluationCancelled) {
      out.emit({ type: 'finished', job: 'evaluate', runId: run.id, status: 'cancelled' });
      return 130;
    }
    throw Object.assign(e as Error, { runId: run.id });
  } finally {
    stop.dispose();
  }
}
