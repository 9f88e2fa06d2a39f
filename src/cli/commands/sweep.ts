import { initBackend } from '../../core/backend';
import { defaultCacheDir } from '../../core/data/cacheDir';
import { UserInputError } from '../../core/errors';
import { checkScorerNames } from '../../core/evaluate/evaluate';
import { RunStore } from '../../core/runs/runStore';
import { AVERAGE, DEFAULT_SWEEP_SCORER, DEFAULT_SWEEP_TAUS, parseTauList, type SweepRecord } from '../../core/sweep/sweepRecord';
import { runTauSweep } from '../../core/sweep/tauSweep';
import type { TrainConfig } from '../../core/train/config';
import { checkTrainNames } from '../../core/train/trainer';
import { parseCommandArgs, stringOption } from '../args';
import { Output } from '../output';
import {
  COMMON_OPTIONS,
  EVALUATION_OPTIONS,
  TRAIN_CONFIG_OPTIONS,
  backendOption,
  booleanOptions,
  configFromArgs,
  evaluationFromArgs,
  eventsMode,
  runsRootOption,
  stringOptions,
} from '../sharedOptions';
import { onStopSignal } from '../signals';

export const SWEEP_USAGE = `usage: ood-lens sweep [--taus ${DEFAULT_SWEEP_TAUS}] [--dataset mnist] [--arch lenet] [--epochs 5] [--limit N]
         [any flag of ood-lens train but --loss, --tau and --resume]
         [--ood fashion-mnist,gaussian,uniform] [--scorers msp] [--option scorer.name=value ...] [--ood-count 10000]
         [--id-limit N] [--fit-samples 5000] [--scorer msp] [--select-on average|OOD_SET] [--reuse]
         [--backend auto|...] [--out RUNS_DIR] [--cache-dir DIR] [--json] [--events jsonl]
  The paper's Figure 5: one LogitNorm run per tau, each evaluated on its last checkpoint, one after
  the other. RUNS_DIR/.sweeps/<sweep-id>.json records every tau's run, evaluation, ID accuracy and
  the --scorer's FPR95 and AUROC (averaged over the OOD sets, and per set), rewritten at every step.
  The best tau has the lowest FPR95 on --select-on (the average over the OOD sets, or one of them,
  e.g. gaussian as the paper tunes tau), ties to the higher AUROC there, then the smaller tau.
  The learning rate and schedule come from each tau's recipe (ood-lens train --help) unless given.
  --reuse: a tau whose run with these settings finished is not trained again (an unfinished one is
  resumed) and a matching evaluation is not redone, so an interrupted sweep continues.
  Ctrl-C stops the running tau at its next batch (its run is marked cancelled) and the rest never start.`;

export const SWEEP_OPTIONS = { ...COMMON_OPTIONS, ...TRAIN_CONFIG_OPTIONS, ...EVALUATION_OPTIONS, ...stringOptions('taus', 'scorer', 'select-on'), ...booleanOptions('reuse', 'json') };

/** Each flag the sweep sets itself, with why. */
const NOT_TAKEN: Record<string, string> = {
  loss: 'a tau sweep trains LogitNorm',
  tau: 'the taus come from --taus',
  resume: 'continue an interrupted sweep with --reuse',
};

function percentText(fraction: number | undefined): string {
  return fraction === undefined ? '-' : `${(100 * fraction).toFixed(2)}%`;
}

/** The record as a table: one row a tau, the best one marked. */
function sweepTable(record: SweepRecord): string {
  const on = record.selectOn ?? AVERAGE;
  const header = ['tau', 'status', 'ID acc', `FPR95 ${on}`, `AUROC ${on}`, 'run'];
  const rows = record.points.map((point) => {
    const pair = on === AVERAGE ? point.metrics?.average : point.metrics?.perOodSet[on];
    return [`${point.tau}${point.tau === record.bestTau ? ' *' : ''}`, point.status, percentText(point.metrics?.idAccuracy), percentText(pair?.fpr95), percentText(pair?.auroc), point.runId ?? '-'];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const lines = [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
  for (const point of record.points) if (point.error) lines.push(`tau ${point.tau}: ${point.error}`);
  return lines.join('\n');
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, SWEEP_OPTIONS, SWEEP_USAGE);
  if (values.help) {
    process.stdout.write(SWEEP_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UserInputError(`sweep takes no positional argument, got '${positionals[0]}'\n${SWEEP_USAGE}`, positionals[0], 'flags only');
  for (const [flag, why] of Object.entries(NOT_TAKEN)) {
    if (values[flag] !== undefined) throw new UserInputError(`--${flag} is not a sweep flag: ${why}`, `--${flag}`, 'ood-lens sweep --help');
  }
  const parsed = parseTauList(stringOption(values, 'taus', DEFAULT_SWEEP_TAUS));
  if ('error' in parsed) throw new UserInputError(`--taus: ${parsed.error}`, stringOption(values, 'taus', ''), 'numbers > 0 separated by commas');
  const { taus } = parsed;
  const out = new Output(eventsMode(values), values.json === true);
  // Every tau's run: the flags given, LogitNorm at that tau, the rest from that tau's recipe. All checked before anything is written.
  const configs = new Map<number, TrainConfig>(taus.map((tau) => [tau, configFromArgs({ ...values, loss: 'logitnorm', tau: String(tau) })]));
  checkTrainNames(configs.get(taus[0])!);
  const scorer = stringOption(values, 'scorer', DEFAULT_SWEEP_SCORER);
  const evaluation = evaluationFromArgs(values, { scorers: [scorer] });
  if (!evaluation.scorers.includes(scorer)) evaluation.scorers.unshift(scorer);
  checkScorerNames(evaluation.scorers, evaluation.scorerOptions);
  const selectOn = stringOption(values, 'select-on', AVERAGE);
  if (selectOn !== AVERAGE && !evaluation.oodSets.includes(selectOn)) {
    throw new UserInputError(`--select-on ${selectOn} is not one of the OOD sets (${evaluation.oodSets.join(', ')}): expected ${AVERAGE} or one of them`, selectOn, [AVERAGE, ...evaluation.oodSets].join(', '));
  }
  const backend = await initBackend(backendOption(values));
  const stop = onStopSignal();
  try {
    const { sweepFile, record } = await runTauSweep({
      store: new RunStore(runsRootOption(values)),
      taus,
      configFor: (tau) => configs.get(tau)!,
      evaluation,
      scorer,
      selectOn,
      reuse: values.reuse === true,
      cacheDir: stringOption(values, 'cache-dir') ?? defaultCacheDir(),
      backend: { name: backend.name, reason: backend.reason },
      hooks: { onEvent: (e) => out.emit(e), shouldStop: stop.requested, log: (m) => out.log(m) },
    });
    // The table is for people (stderr with --json or --events); --json puts the record on stdout.
    out.info(`\n${record.id}: LogitNorm on ${record.train.architecture}, ${record.train.dataset}; ${scorer} against ${record.oodSets.join(', ')}`);
    out.info(sweepTable(record));
    out.info(record.bestTau === undefined ? 'no tau was evaluated' : `best tau: ${record.bestTau} (lowest ${scorer} FPR95 on ${selectOn === AVERAGE ? 'the average of the OOD sets' : selectOn})`);
    out.info(`written to ${sweepFile}`);
    if (values.json && !out.jsonEvents) process.stdout.write(JSON.stringify(record, null, 2) + '\n');
    if (record.status === 'failed') throw new UserInputError(`every tau of ${record.id} failed (${sweepFile}), e.g. tau ${record.points[0].tau}: ${record.points[0].error}`, sweepFile, 'a tau that trains');
    return record.status === 'cancelled' ? 130 : 0;
  } finally {
    stop.dispose();
  }
}
