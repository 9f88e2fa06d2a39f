/**
 * Runs a tau sweep (the paper's Figure 5) as one job of the job runner: `ood-lens sweep ...`
 * (core/sweep/tauSweep.ts, the one implementation, which the CLI and the bench run too). The
 * engine writes the sweep's record and says so with a `sweep` event at every step; this class
 * knows which sweeps this window runs (for the panel's Cancel, and to tell a sweep running here
 * from one a reload interrupted) and tells the panels when a record changed. Cancelling the job
 * (Cancel Job, the notification, the panel) stops the running tau at its next batch; the engine
 * marks it and the taus after it cancelled.
 */
import { sweepArguments, type SweepOptions } from './cliArguments';
import type { JobEvent, JobOutcome, JobRequest } from './jobRunner';

/** What the sweep needs of the job runner. */
export interface SweepJobs {
  submit(request: JobRequest): { id: number; outcome: Promise<JobOutcome> };
  cancel(id: number): boolean;
}

export interface SweepPlan extends SweepOptions {
  /** The workspace folder the job runs in. */
  cwd: string;
}

export interface StartedSweep {
  jobId: number;
  /** The record's path, once the engine wrote it; undefined when the job ended before (it failed to start, or was cancelled while queued). */
  sweepFile: Promise<string | undefined>;
  outcome: Promise<JobOutcome>;
}

export class SweepDriver {
  /** The sweep file of each sweep job of this window, by job id, while it runs. */
  private readonly files = new Map<number, string>();
  private readonly named = new Map<number, (sweepFile: string | undefined) => void>();

  constructor(
    private readonly jobs: SweepJobs,
    private readonly onChange: (sweepFile: string) => void,
  ) {}

  /** Whether a job of this window runs the sweep of that file now. */
  isActive(sweepFile: string): boolean {
    return [...this.files.values()].includes(sweepFile);
  }

  /** Stops a sweep this window runs: its job is cancelled (the engine marks the rest). */
  cancel(sweepFile: string): boolean {
    const entry = [...this.files.entries()].find(([, file]) => file === sweepFile);
    return entry ? this.jobs.cancel(entry[0]) : false;
  }

  start(plan: SweepPlan): StartedSweep {
    const { cwd, ...options } = plan;
    const { train } = options;
    const title = `Sweep tau ${options.taus.join(', ')} · LogitNorm · ${train.architecture} on ${train.dataset}, ${train.epochs} epoch${train.epochs === 1 ? '' : 's'}`;
    const job = this.jobs.submit({ kind: 'sweep', title, args: sweepArguments(options), cwd });
    const sweepFile = new Promise<string | undefined>((resolve) => this.named.set(job.id, resolve));
    const outcome = job.outcome.then((ended) => {
      const file = this.files.get(job.id) ?? ended.sweepFile;
      this.files.delete(job.id);
      this.named.get(job.id)?.(file);
      this.named.delete(job.id);
      if (file) this.onChange(file);
      return ended;
    });
    return { jobId: job.id, sweepFile, outcome };
  }

  /** Every event of every job: a sweep job's record changed. */
  receive({ jobId, event }: JobEvent): void {
    if (event.type !== 'sweep' || !this.named.has(jobId)) return;
    if (!this.files.has(jobId)) {
      this.files.set(jobId, event.sweepFile);
      this.named.get(jobId)?.(event.sweepFile);
    }
    this.onChange(event.sweepFile);
  }
}
