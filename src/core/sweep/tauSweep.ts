/**
 * The tau sweep (the paper's Figure 5), the one implementation: for each tau, one LogitNorm run
 * trained, then its last checkpoint evaluated; every step is written to the sweep's record
 * (sweepRecord.ts) at once and announced as a `sweep` event. `ood-lens sweep` runs it; VS Code's
 * "Sweep tau" runs that command as one job; `npm run bench -- replicate` calls it in-process.
 *
 * Stopping (`shouldStop`: Ctrl-C, Cancel) ends the running tau's training at its next batch (the
 * run is marked cancelled and can be resumed) or its evaluation, and the taus after it never
 * start. A tau whose training fails (a diverged loss, too big for the backend) is marked failed
 * with the reason, and the next tau goes on.
 *
 * With `reuse`, a run under the runs folder with the same settings that finished is not trained
 * again (one that did not finish is resumed), and its evaluation with the same scorers, OOD sets
 * and scorer settings is not redone: an interrupted sweep, or a replicate run again, continues.
 */
import type { EvaluationFile } from '../evaluate/evaluationFiles';
import { listEvaluationFilesSync } from '../evaluate/evaluationFiles';
import { EvaluationCancelled, evaluateCheckpoint, type EvaluateOptions } from '../evaluate/evaluate';
import { augmentModeOf } from '../data/augmentation';
import { isUserInputError } from '../errors';
import type { CheckpointRef, Run, RunStore } from '../runs/runStore';
import { describeConfig, type TrainConfig } from '../train/config';
import { train, TrainingDivergedError, type EventBody, type TrainContext } from '../train/trainer';
import { AVERAGE, bestTauOf, freeSweepId, newSweepRecord, sweepFileOf, sweepPointMetrics, writeSweepRecord, type SweepRecord, type SweepRecordPoint } from './sweepRecord';

/** What every evaluation of a sweep (or of a replicate) asks. */
export type EvaluationSpec = Pick<EvaluateOptions, 'oodSets' | 'scorers' | 'scorerOptions' | 'oodCount' | 'idLimit' | 'fitSamples'>;

export interface EngineContext {
  cacheDir?: string;
  backend: { name: string; reason: string };
  hooks?: { onEvent?(event: EventBody): void; shouldStop?(): boolean; log?(message: string): void };
}

/** The TrainConfig fields that make two runs the same experiment (not where data or threads come from). */
const SAME_EXPERIMENT: readonly (keyof TrainConfig)[] = ['dataset', 'arch', 'loss', 'tau', 'lambda', 'epochs', 'batchSize', 'lr', 'nesterov', 'schedule', 'seed', 'limit', 'oodProbe', 'weightDecay', 'momentum'];

export function sameExperiment(a: TrainConfig, b: TrainConfig): boolean {
  // augment: a run.json written before --augment holds true (auto) or false (none).
  return SAME_EXPERIMENT.every((key) => a[key] === b[key]) && augmentModeOf(a.augment) === augmentModeOf(b.augment);
}

/** A run of the same experiment under the store: a finished one first, else one to resume. */
export function reusableRun(store: RunStore, config: TrainConfig): Run<TrainConfig> | undefined {
  const matching = store.list().map((run) => run as unknown as Run<TrainConfig>).filter((run) => sameExperiment(run.record.config, config));
  return matching.find((run) => run.record.status === 'done') ?? matching[0];
}

/** An evaluation of this checkpoint with every scorer (at these settings) and OOD set asked for. */
export function reusableEvaluation(run: Run<TrainConfig>, checkpoint: CheckpointRef, spec: EvaluationSpec): EvaluationFile | undefined {
  const options = spec.scorerOptions ?? {};
  const sameSettings = (entry: EvaluationFile, name: string) => Object.entries(options[name] ?? {}).every(([key, value]) => entry.result.scorers.find((scorer) => scorer.name === name)?.settings[key] === value);
  return listEvaluationFilesSync(run.dir).find(
    (entry) =>
      entry.result.checkpoint.epoch === checkpoint.epoch &&
      spec.scorers.every((name) => entry.result.scorers.some((scorer) => scorer.name === name) && sameSettings(entry, name)) &&
      spec.oodSets.every((name) => entry.result.oodSets.some((set) => set.name === name)),
  );
}

export type TrainAndEvaluateOutcome =
  | { status: 'done'; run: Run<TrainConfig>; evaluation: EvaluationFile }
  | { status: 'cancelled'; run?: Run<TrainConfig> }
  | { status: 'failed'; run?: Run<TrainConfig>; error: string };

/**
 * One experiment: a run of `config` trained (or reused), then its last checkpoint evaluated (or
 * its matching evaluation reused). `onRun` hears of the run folder as soon as it exists, and
 * `onEvaluating` when training is over. A failure of the run itself (diverged, a user error such
 * as a batch too big for the backend) is returned; a bug is thrown.
 */
export async function trainAndEvaluate(
  store: RunStore,
  config: TrainConfig,
  spec: EvaluationSpec,
  context: EngineContext & { reuse?: boolean; onRun?(run: Run<TrainConfig>): void; onEvaluating?(): void },
): Promise<TrainAndEvaluateOutcome> {
  const log = (message: string) => context.hooks?.log?.(message);
  let run = context.reuse ? reusableRun(store, config) : undefined;
  if (run) log(`reusing ${run.id} (${run.record.status})`);
  run ??= store.create<TrainConfig>(describeConfig(config), config);
  context.onRun?.(run);
  if (run.record.status !== 'done') {
    try {
      const trained = await train(run, { cacheDir: context.cacheDir, backend: context.backend, hooks: context.hooks } satisfies TrainContext);
      if (trained === 'cancelled') return { status: 'cancelled', run };
    } catch (error) {
      if (error instanceof TrainingDivergedError || isUserInputError(error)) return { status: 'failed', run, error: (error as Error).message };
      throw error;
    }
  }
  const checkpoint = run.latestCheckpoint();
  if (!checkpoint) return { status: 'failed', run, error: `${run.id} wrote no checkpoint` };
  context.onEvaluating?.();
  const reused = context.reuse ? reusableEvaluation(run, checkpoint, spec) : undefined;
  if (reused) {
    log(`reusing ${reused.file}`);
    return { status: 'done', run, evaluation: reused };
  }
  try {
    const { result, file } = await evaluateCheckpoint(run, checkpoint, { ...spec, cacheDir: context.cacheDir, backend: context.backend, hooks: context.hooks });
    return { status: 'done', run, evaluation: { file, result } };
  } catch (error) {
    if (error instanceof EvaluationCancelled) return { status: 'cancelled', run };
    throw error;
  }
}

export interface TauSweepOptions extends EngineContext {
  store: RunStore;
  taus: number[];
  /** Each tau's run: LogitNorm at that tau (its learning rate may depend on tau: core/train/recipe.ts). */
  configFor(tau: number): TrainConfig;
  evaluation: EvaluationSpec;
  /** The scorer plotted and chosen by (msp: the paper's Figure 5). */
  scorer: string;
  /** Choose the best tau on this OOD set's FPR95 (the paper tunes on Gaussian noise); default: the average over the OOD sets. */
  selectOn?: string;
  reuse?: boolean;
}

/** Runs the sweep; resolves with its record as last written (status done, cancelled, or failed when every tau failed). */
export async function runTauSweep(options: TauSweepOptions): Promise<{ sweepFile: string; record: SweepRecord }> {
  const { store, taus, scorer } = options;
  const hooks = options.hooks ?? {};
  const first = options.configFor(taus[0]);
  const now = new Date();
  const id = freeSweepId(store.root, now);
  const sweepFile = sweepFileOf(store.root, id);
  const record = newSweepRecord(id, now, {
    taus,
    train: { dataset: first.dataset, architecture: first.arch, epochs: first.epochs, ...(first.limit ? { limit: first.limit } : {}) },
    oodSets: options.evaluation.oodSets,
    scorers: options.evaluation.scorers,
    scorer,
    selectOn: options.selectOn ?? AVERAGE,
  });
  const save = (index?: number) => {
    writeSweepRecord(sweepFile, record);
    const point = index === undefined ? undefined : record.points[index];
    hooks.onEvent?.({
      type: 'sweep',
      sweepId: id,
      sweepFile,
      status: record.status,
      taus: record.points.map((entry) => entry.tau),
      ...(point && index !== undefined ? { point: { index, tau: point.tau, status: point.status, runId: point.runId } } : {}),
    });
  };
  const cancelFrom = (index: number) => {
    for (const point of record.points.slice(index)) if (point.status !== 'done' && point.status !== 'failed') point.status = 'cancelled';
    record.status = 'cancelled';
  };
  save();
  try {
    for (const [index, point] of record.points.entries()) {
      if (hooks.shouldStop?.()) {
        cancelFrom(index);
        break;
      }
      point.status = 'training';
      save(index);
      const outcome = await trainAndEvaluate(store, options.configFor(point.tau), options.evaluation, {
        ...options,
        onRun: (run) => {
          point.runId = run.id;
          point.runDir = run.dir;
          save(index);
        },
        onEvaluating: () => {
          point.status = 'evaluating';
          save(index);
        },
      });
      if (outcome.status === 'cancelled') {
        cancelFrom(index);
        break;
      }
      if (outcome.status === 'failed') {
        point.status = 'failed';
        point.error = outcome.error;
        hooks.onEvent?.({ type: 'warning', runId: point.runId ?? id, code: 'sweep-tau-failed', message: `tau ${point.tau}: ${outcome.error}; the sweep goes on` });
        save(index);
        continue;
      }
      point.evaluationFile = outcome.evaluation.file;
      point.metrics = sweepPointMetrics(outcome.evaluation.result, scorer);
      point.status = 'done';
      record.bestTau = bestTauOf(record.points, record.selectOn);
      save(index);
    }
    if (record.status === 'running') record.status = record.points.every((point) => point.status === 'failed') ? 'failed' : 'done';
  } catch (error) {
    record.status = 'failed';
    throw error;
  } finally {
    save();
  }
  // A sweep whose every tau failed is the caller's error to report; the others end as a job does.
  if (record.status !== 'failed') hooks.onEvent?.({ type: 'finished', job: 'sweep', runId: id, status: record.status === 'cancelled' ? 'cancelled' : 'done', summary: record.bestTau === undefined ? {} : { bestTau: record.bestTau } });
  return { sweepFile, record };
}
