/**
 * The queue of engine jobs: one runs at a time, the others wait in order. Pure (no `vscode`, no
 * child processes): a job is a `start` function that returns a handle with `done` and `cancel`,
 * so the queue is unit-tested under Node and the job runner supplies real child processes.
 */
import * as path from 'node:path';

/** A job as "Cancel Job" and Delete Run see it. */
export interface JobSummary {
  id: number;
  title: string;
  state: 'running' | 'queued';
  /** The run folder it uses, when known (JobRequest.runDir). */
  runDir?: string;
}

/** The first job that uses `runDir` (running or queued), if any. Paths are compared resolved. */
export function jobUsingRun(jobs: readonly JobSummary[], runDir: string): JobSummary | undefined {
  const wanted = path.resolve(runDir);
  return jobs.find((job) => job.runDir !== undefined && path.resolve(job.runDir) === wanted);
}

export interface RunningJob<Outcome> {
  /** Settles when the job has ended (never rejects: failures are outcomes). */
  readonly done: Promise<Outcome>;
  /** Asks the job to stop (a child gets SIGTERM); `done` settles when it has. */
  cancel(): void;
}

export interface QueuedJob<Outcome> {
  readonly id: number;
  readonly title: string;
  start(): RunningJob<Outcome>;
  /** What `done` gives when the job is cancelled before it started. */
  cancelledBeforeStart(): Outcome;
}

export type JobState = 'queued' | 'running' | 'finished';

interface Entry<Outcome> {
  job: QueuedJob<Outcome>;
  state: JobState;
  running?: RunningJob<Outcome>;
  resolve: (outcome: Outcome) => void;
}

export class JobQueue<Outcome> {
  private readonly entries: Entry<Outcome>[] = [];
  private disposed = false;

  constructor(private readonly onChange: () => void = () => undefined) {}

  /** Adds a job; it starts when every job before it has ended. Resolves with its outcome. */
  enqueue(job: QueuedJob<Outcome>): Promise<Outcome> {
    if (this.disposed) return Promise.resolve(job.cancelledBeforeStart());
    return new Promise<Outcome>((resolve) => {
      this.entries.push({ job, state: 'queued', resolve });
      this.onChange();
      this.startNext();
    });
  }

  /** The running job, if any, and the waiting ones in order. */
  get running(): QueuedJob<Outcome> | undefined {
    return this.entries.find((entry) => entry.state === 'running')?.job;
  }

  get waiting(): QueuedJob<Outcome>[] {
    return this.entries.filter((entry) => entry.state === 'queued').map((entry) => entry.job);
  }

  /** Cancels a job: a waiting one leaves the queue at once, a running one is asked to stop. */
  cancel(id: number): boolean {
    const entry = this.entries.find((candidate) => candidate.job.id === id);
    if (!entry) return false;
    if (entry.state === 'queued') {
      this.remove(entry);
      entry.state = 'finished';
      entry.resolve(entry.job.cancelledBeforeStart());
      this.onChange();
      return true;
    }
    entry.running?.cancel();
    return true;
  }

  private remove(entry: Entry<Outcome>): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
  }

  private startNext(): void {
    if (this.disposed || this.entries.some((entry) => entry.state === 'running')) return;
    const next = this.entries.find((entry) => entry.state === 'queued');
    if (!next) return;
    next.state = 'running';
    let running: RunningJob<Outcome>;
    try {
      running = next.job.start();
    } catch {
      // A job that cannot even start ends as cancelled-before-start; the caller logged why.
      this.remove(next);
      next.state = 'finished';
      next.resolve(next.job.cancelledBeforeStart());
      this.onChange();
      this.startNext();
      return;
    }
    next.running = running;
    this.onChange();
    void running.done.then((outcome) => {
      this.remove(next);
      next.state = 'finished';
      next.resolve(outcome);
      this.onChange();
      this.startNext();
    });
  }

  /** Cancels everything: waiting jobs never start, the running one is asked to stop. */
  dispose(): void {
    for (const entry of [...this.entries]) {
      if (entry.state === 'queued') this.cancel(entry.job.id);
    }
    this.disposed = true;
    for (const entry of this.entries) entry.running?.cancel();
  }
}
