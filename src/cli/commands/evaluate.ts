import { initBackend } from '../../core/backend';
import { defaultCacheDir } from '../../core/data/cacheDir';
import { UserInputError } from '../../core/errors';
import { DEFAULT_OOD_SETS, DEFAULT_SCORERS, EvaluationCancelled, checkScorerNames, evaluateCheckpoint, resolveCheckpoint } from '../../core/evaluate/evaluate';
import { evaluationTable, renderText } from '../../core/evaluate/report';
import { RunStore } from '../../core/runs/runStore';
import type { ScorerOptions } from '../../core/scorers';
import { listOption, numberOption, parseCommandArgs, stringOption } from '../args';
import { Output } from '../output';
import { onStopSignal } from '../signals';
import { COMMON_OPTIONS, backendOption, eventsMode, runsRootOption } from './train';

export const EVALUATE_USAGE = `usage: ood-lens evaluate RUN_OR_CHECKPOINT [--ood fashion-mnist,gaussian,uniform] [--scorers msp,odin,energy,gradnorm]
         [--option scorer.name=value ...] [--ood-count 10000] [--id-limit N] [--fit-samples 5000]
         [--normalised-logits] [--normalised-tau TAU]
         [--backend auto|...] [--out RUNS_DIR] [--cache-dir DIR] [--json] [--events jsonl]
  RUN_OR_CHECKPOINT: a run id, a run folder, or a checkpoint folder (<run>/checkpoints/epoch-N)
  scorers: msp, odin, energy, gradnorm, maxlogit, react, knn, mahalanobis
  options, e.g.: --option energy.temperature=0.1 --option odin.epsilon=0.0014 --option knn.neighbours=50
  --normalised-logits: also score msp, maxlogit, energy and odin on f / (tau ||f||) instead of the raw logits f,
    side by side in the table as "FPR95 normalised", "AUROC normalised" (tau: --normalised-tau, else the run's tau)`;

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

export async function evaluateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...COMMON_OPTIONS, ood: { type: 'string' }, scorers: { type: 'string' }, option: { type: 'string', multiple: true }, 'ood-count': { type: 'string' }, 'id-limit': { type: 'string' }, 'fit-samples': { type: 'string' }, json: { type: 'boolean' }, 'normalised-logits': { type: 'boolean' }, 'normalised-tau': { type: 'string' } },
    EVALUATE_USAGE,
  );
  if (values.help) {
    process.stdout.write(EVALUATE_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UserInputError(`evaluate takes one run or checkpoint, got ${positionals.length}\n${EVALUATE_USAGE}`, positionals.join(' '), 'RUN_OR_CHECKPOINT');
  const out = new Output(eventsMode(values), values.json === true);
  const scorers = listOption(values, 'scorers', DEFAULT_SCORERS);
  const rawOptions = (values as Record<string, unknown>).option;
  const scorerOptions = parseScorerOptions(Array.isArray(rawOptions) ? (rawOptions as string[]) : []);
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
  const idLimit = stringOption(values, 'id-limit');
  const stop = onStopSignal();
  try {
    const { result, file } = await evaluateCheckpoint(run, checkpoint, {
      oodSets: listOption(values, 'ood', DEFAULT_OOD_SETS),
      scorers,
      scorerOptions,
      oodCount: numberOption(values, 'ood-count', 10000),
      idLimit: idLimit === undefined ? undefined : numberOption(values, 'id-limit', 0),
      fitSamples: numberOption(values, 'fit-samples', 5000),
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
