/**
 * Drives a tau sweep (the paper's Figure 5): for each tau, one LogitNorm training run, then an
 * evaluation of its last checkpoint, each a job of the job runner (so they run one after the
 * other with everything else, each with its notification and Cancel). The next job is queued only
 * when the previous one ended, so an evaluation lands as soon as its run is trained and the panel
 * fills in point by point. Cancelling the running job (Cancel Job, the notification) or the sweep
 * (its panel) ends the sweep: the taus not started yet are marked cancelled and never run. Every
 * change is written to the sweep's record file at once (see sweepRecord.ts).
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { evaluateArguments, trainArguments, trainJobTitle, type TrainOptions } from './cliArguments';
import type { JobOutcome, JobRequest } from './jobRunner';
import { newSweepRecord, sweepFileOf, sweepIdOf, writeSweepRecord, type SweepRecord, type SweepRecordPoint } from './sweepRecord';

/** What the sweep needs of the job runner. */
export interface SweepJobs {
  submit(request: JobRequest): { id: number; outcome: Promise<JobOutcome> };
  cancel(id: number): boolean;
}

export interface SweepPlan {
  taus: number[];
  /** Everything of a training run but the loss (LogitNorm) and its tau. */
  train: Omit<TrainOptions, 'loss' | 'tau'>;
  oodSets: string[];
  scorers: string[];
  /** The scorer whose average FPR95 is plotted. */
  scorer: string;
  oodCount?: number;
  /** The workspace folder the jobs run in. */
  cwd: string;
}

interface ActiveSweep {
  cancelled: boolean;
  jobId?: number;
}

export class SweepDriver {
  private readonly active = new Map<string, ActiveSweep>();

  constructor(
    private readonly jobs: SweepJobs,
    private readonly onChange: (sweepFile: string) => void,
  ) {}

  /** Whether this window is driving the sweep of that file now. */
  isActive(sweepFile: string): boolean {
    return this.active.has(sweepFile);
  }

  /** Stops a sweep this window drives: its running job is cancelled, the rest never starts. */
  cancel(sweepFile: string): boolean {
    const sweep = this.active.get(sweepFile);
    if (!sweep) return false;
    sweep.cancelled = true;
    if (sweep.jobId !== undefined) this.jobs.cancel(sweep.jobId);
    return true;
  }

  /** Writes the sweep's record and starts it; `done` resolves with the record as last written. */
  start(plan: SweepPlan): { sweepFile: string; done: Promise<SweepRecord> } {
    const now = new Date();
    const baseId = sweepIdOf(now);
    let id = baseId;
    for (let suffix = 2; existsSync(sweepFileOf(plan.train.runsFolder, id)); suffix += 1) id = `${baseId}-${suffix}`;
    const sweepFile = sweepFileOf(plan.train.runsFolder, id);
    const record = newSweepRecord(id, now, {
      taus: plan.taus,
      train: { dataset: plan.train.dataset, architecture: plan.train.architecture, epochs: plan.train.epochs, limit: plan.train.limit },
      oodSets: plan.oodSets,
      scorers: plan.scorers,
      scorer: plan.scorer,
    });
    writeSweepRecord(sweepFile, record);
    const sweep: ActiveSweep = { cancelled: false };
    this.active.set(sweepFile, sweep);
    const done = this.drive(sweepFile, record, plan, sweep).finally(() => {
      this.active.delete(sweepFile);
      this.onChange(sweepFile);
    });
    return { sweepFile, done };
  }

  private async drive(sweepFile: string, record: SweepRecord, plan: SweepPlan, sweep: ActiveSweep): Promise<SweepRecord> {
    const save = () => {
      writeSweepRecord(sweepFile, record);
      this.onChange(sweepFile);
    };
    const count = record.points.length;
    /** The sweep ends at this tau: it and the taus after it are cancelled. */
    const stopAt = (point: SweepRecordPoint, index: number) => {
      point.status = 'cancelled';
      for (const later of record.points.slice(index + 1)) if (later.status === 'queued') later.status = 'cancelled';
      record.status = 'cancelled';
      save();
    };
    /**
     * Runs one job of a tau and says what its end means: its product (a checkpoint, an evaluation
     * file) to go on with; 'stop' when it or the sweep was cancelled (the later taus are marked
     * cancelled); 'skip' when it failed or made nothing (this tau is marked failed, the next goes on).
     */
    const runJob = async (point: SweepRecordPoint, index: number, request: JobRequest, product: (outcome: JobOutcome) => string | undefined, missing: string): Promise<string | 'stop' | 'skip'> => {
      const job = this.jobs.submit(request);
      sweep.jobId = job.id;
      const outcome = await job.outcome;
      sweep.jobId = undefined;
      point.runId ??= outcome.runId;
      point.runDir ??= outcome.runDir;
      if (outcome.status === 'cancelled' || sweep.cancelled) {
        stopAt(point, index);
        return 'stop';
      }
      const made = product(outcome);
      if (outcome.status === 'failed' || !made) {
        point.status = 'failed';
        point.error = outcome.errorMessage ?? missing;
        save();
        return 'skip';
      }
      return made;
    };
    try {
      for (const [index, point] of record.points.entries()) {
        if (sweep.cancelled) {
          stopAt(point, index);
          break;
        }
        point.status = 'training';
        save();
        const trainOptions: TrainOptions = { ...plan.train, loss: 'logitnorm', tau: point.tau };
        const checkpoint = await runJob(point, index, { kind: 'train', title: `Sweep tau ${index + 1}/${count}: ${trainJobTitle(trainOptions)}`, args: trainArguments(trainOptions), cwd: plan.cwd }, (outcome) => outcome.checkpoints.at(-1), 'the training wrote no checkpoint');
        if (checkpoint === 'stop') break;
        if (checkpoint === 'skip') continue;
        point.status = 'evaluating';
        save();
        const evaluateRequest: JobRequest = {
          kind: 'evaluate',
          title: `Sweep tau ${index + 1}/${count}: evaluate ${point.runId ?? 'the run'} (tau=${point.tau})`,
          args: evaluateArguments({
            target: checkpoint,
            oodSets: plan.oodSets,
            scorers: plan.scorers,
            oodCount: plan.oodCount,
            backend: plan.train.backend,
            cacheFolder: plan.train.cacheFolder,
            runsFolder: plan.train.runsFolder,
          }),
          cwd: plan.cwd,
          // checkpoints/epoch-N -> the run folder: Delete Run refuses it while this job waits or runs.
          runDir: path.dirname(path.dirname(checkpoint)),
        };
        const written = await runJob(point, index, evaluateRequest, (outcome) => outcome.evaluationFiles.at(-1), 'the evaluation wrote no file');
        if (written === 'stop') break;
        if (written === 'skip') continue;
        point.evaluationFile = written;
        point.status = 'done';
        save();
      }
      if (record.status === 'running') record.status = record.points.every((point) => point.status === 'failed') ? 'failed' : 'done';
    } catch (error) {
      record.status = 'failed';
      throw error;
    } finally {
      save();
    }
    return record;
  }
}
