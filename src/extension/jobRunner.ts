/**
 * Runs the engine's jobs (`node <extension>/dist/cli.js train|evaluate|sweep ... --events jsonl`) as
 * child processes, one after the other from a queue, never in the extension host. Each job gets
 * a progress notification with Cancel (SIGTERM to the child: the engine stops at the next batch
 * and marks its run `cancelled`), the status-bar item while it runs, and its whole output in the
 * "OOD Lens" output channel. A job that fails shows its error with "Open Log".
 *
 * Owns: the output channel, the status-bar item, the queue and every child process; all are
 * disposed with it (children get SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { backendLabel } from '../core/backend/backendNames';
import { parseWorkerEvent, type JobKind, type WorkerEvent } from '../protocol';
import { COMMAND_IDS } from './commandIds';
import { JobQueue, type JobSummary, type QueuedJob, type RunningJob } from './jobQueue';
import { LineSplitter } from './lineSplitter';
import { markRunCancelledAfterKill } from '../core/runs/runRecord';
import { markSweepCancelledAfterKill } from '../core/sweep/sweepRecord';

export const OUTPUT_CHANNEL_NAME = 'OOD Lens';
/**
 * After Cancel, how long the child may take to reach the end of its batch before SIGKILL. The
 * engine's training loop yields to the event loop after every batch, so its SIGTERM handler
 * stops it at the next batch (exit 130); a batch that takes longer than this (a big network on
 * a slow backend) gets SIGKILL, and the runner then marks the run cancelled
 * (markRunCancelledAfterKill).
 */
const CANCEL_GRACE_MILLISECONDS = 8_000;

export interface JobRequest {
  kind: JobKind;
  title: string;
  /** Arguments after `dist/cli.js`. */
  args: string[];
  cwd?: string;
  /**
   * The run folder the job reads or writes, when it is known before the job starts (an
   * evaluation's run, a resumed run). A new training run's folder is known from its `started`
   * event on. Delete Run refuses a run that a running or queued job uses.
   */
  runDir?: string;
}


export interface JobOutcome {
  id: number;
  kind: JobKind;
  title: string;
  status: 'done' | 'cancelled' | 'failed';
  runId?: string;
  runDir?: string;
  exitCode: number | null;
  /** The signal that ended the child, when one did (SIGKILL after a Cancel it did not heed). */
  signal?: string;
  errorMessage?: string;
  userError?: boolean;
  /** Evaluation files the job wrote (evaluate). */
  evaluationFiles: string[];
  /** Checkpoint folders the job wrote (train, sweep). */
  checkpoints: string[];
  /** The record of the tau sweep the job ran (sweep). */
  sweepFile?: string;
}

export interface JobEvent {
  jobId: number;
  kind: JobKind;
  event: WorkerEvent;
}

/** What the status bar and the progress notification say about a running job. */
interface JobProgress {
  runId?: string;
  /** Within a tau sweep: which tau of how many ("tau 0.01 (2/5)"). */
  sweep?: { index: number; count: number; text: string };
  /** The engine's backend (the `started` event's) and why it was picked. */
  backend?: string;
  backendReason?: string;
  totalEpochs?: number;
  epoch?: number;
  step?: number;
  totalSteps?: number;
  message?: string;
}

function progressText(progress: JobProgress): string {
  const parts: string[] = [];
  if (progress.sweep) parts.push(progress.sweep.text);
  if (progress.epoch !== undefined) parts.push(`epoch ${progress.epoch}${progress.totalEpochs ? `/${progress.totalEpochs}` : ''}`);
  if (progress.step !== undefined && progress.totalSteps) parts.push(`step ${progress.step}/${progress.totalSteps}`);
  if (progress.message) parts.push(progress.message);
  return parts.join(' · ');
}

/** 0..100: epochs done plus the fraction of the current epoch (or of the whole job); in a sweep, of its taus. */
function progressPercent(progress: JobProgress): number {
  const stepFraction = progress.step !== undefined && progress.totalSteps ? Math.min(1, progress.step / progress.totalSteps) : 0;
  const within = progress.totalEpochs && progress.epoch !== undefined ? (progress.epoch - 1 + stepFraction) / progress.totalEpochs : stepFraction;
  return progress.sweep ? (100 * (progress.sweep.index + within)) / progress.sweep.count : 100 * within;
}

class ChildJob implements RunningJob<JobOutcome> {
  readonly done: Promise<JobOutcome>;
  private child: ChildProcess | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private cancelRequested = false;
  private readonly progress: JobProgress = {};
  private readonly outcome: JobOutcome;
  private reportProgress: ((text: string, percent: number) => void) | undefined;
  private finishedStatus: 'done' | 'cancelled' | undefined;

  constructor(
    readonly id: number,
    private readonly request: JobRequest,
    private readonly cliPath: string,
    private readonly environment: JobEnvironment,
    private readonly log: (line: string) => void,
    private readonly onEvent: (event: JobEvent) => void,
    private readonly onProgress: () => void,
  ) {
    this.outcome = { id, kind: request.kind, title: request.title, status: 'failed', exitCode: null, evaluationFiles: [], checkpoints: [] };
    this.done = new Promise<JobOutcome>((resolve) => this.start(resolve));
  }

  /** The run folder this job uses: the request's, or the one its `started` event named. */
  get runDir(): string | undefined {
    return this.outcome.runDir ?? this.request.runDir;
  }

  get statusText(): string {
    const detail = progressText(this.progress);
    return detail ? `${this.request.title}: ${detail}` : this.request.title;
  }

  get percent(): number {
    return progressPercent(this.progress);
  }

  /** The engine's backend and why, once the job's `started` event said so. */
  get backend(): { name: string; reason: string } | undefined {
    return this.progress.backend ? { name: this.progress.backend, reason: this.progress.backendReason ?? '' } : undefined;
  }

  /** The progress notification calls this with its `report`; updates go there from now on. */
  attachProgress(report: (text: string, percent: number) => void): void {
    this.reportProgress = report;
    report(progressText(this.progress), this.percent);
  }

  private start(resolve: (outcome: JobOutcome) => void): void {
    const args = [this.cliPath, ...this.request.args];
    this.log(`[job ${this.id}] ${this.request.title}`);
    this.log(`[job ${this.id}] $ node ${args.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(' ')}`);
    let child: ChildProcess;
    try {
      // The extension host's own executable runs the CLI; under Electron (desktop VS Code)
      // ELECTRON_RUN_AS_NODE makes it plain Node.
      child = spawn(process.execPath, args, {
        cwd: this.request.cwd,
        env: this.environment({ ...process.env, ELECTRON_RUN_AS_NODE: '1' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      this.outcome.errorMessage = `could not start the engine: ${String(error)}`;
      this.log(`[job ${this.id}] ${this.outcome.errorMessage}`);
      resolve(this.outcome);
      return;
    }
    this.child = child;
    const stdout = new LineSplitter((line) => this.receiveLine(line));
    const stderr = new LineSplitter((line) => this.log(line));
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: string) => stderr.push(chunk));
    child.on('error', (error) => {
      this.outcome.errorMessage ??= `the engine process failed: ${error.message}`;
      this.log(`[job ${this.id}] ${error.message}`);
    });
    child.on('close', (code, signal) => {
      stdout.flush();
      stderr.flush();
      if (this.killTimer) clearTimeout(this.killTimer);
      this.child = undefined;
      this.outcome.exitCode = code;
      this.outcome.signal = signal ?? undefined;
      if (this.cancelRequested && signal === 'SIGKILL') {
        void this.markCancelledAfterKill(child.pid).finally(() => this.settle(code, signal, resolve));
        return;
      }
      this.settle(code, signal, resolve);
    });
  }

  /**
   * A child killed after it ignored SIGTERM cannot mark what it was writing: the run it trained
   * (through the engine's own run.json updater) and the sweep it ran are marked cancelled here.
   */
  private async markCancelledAfterKill(pid: number | undefined): Promise<void> {
    const reason = 'cancelled: the engine process did not stop on SIGTERM and was killed; complete epochs and checkpoints are kept';
    const runDir = this.outcome.runDir;
    try {
      if (runDir && this.request.kind !== 'evaluate') this.log(`[job ${this.id}] ${markRunCancelledAfterKill(runDir, pid, reason) ? 'marked' : 'did not need to mark'} ${runDir} cancelled`);
      if (this.outcome.sweepFile) this.log(`[job ${this.id}] ${(await markSweepCancelledAfterKill(this.outcome.sweepFile, reason)) ? 'marked' : 'did not need to mark'} ${this.outcome.sweepFile} cancelled`);
    } catch (error) {
      this.log(`[job ${this.id}] could not mark what it wrote cancelled: ${String(error)}`);
    }
  }

  private settle(code: number | null, signal: NodeJS.Signals | null, resolve: (outcome: JobOutcome) => void): void {
    if (this.finishedStatus) this.outcome.status = this.finishedStatus;
    else if (code === 130 || (this.cancelRequested && signal !== null)) this.outcome.status = 'cancelled';
    else if (code === 0 && this.outcome.errorMessage === undefined) this.outcome.status = 'done';
    else {
      this.outcome.status = 'failed';
      this.outcome.errorMessage ??= `the engine exited with ${code !== null ? `code ${code}` : `signal ${signal}`}`;
    }
    this.log(`[job ${this.id}] ${this.outcome.status}${code !== null ? ` (exit code ${code})` : signal ? ` (${signal})` : ''}`);
    resolve(this.outcome);
  }

  private receiveLine(line: string): void {
    const event = parseWorkerEvent(line);
    if (!event) {
      if (line.trim() !== '') this.log(line);
      return;
    }
    this.handle(event);
    this.onEvent({ jobId: this.id, kind: this.request.kind, event });
  }

  private handle(event: WorkerEvent): void {
    switch (event.type) {
      case 'started':
        this.outcome.runId = event.runId;
        this.outcome.runDir = event.runDir;
        this.progress.runId = event.runId;
        this.progress.totalEpochs = event.totalEpochs;
        this.progress.backend = event.backend;
        this.progress.backendReason = event.backendReason;
        this.log(`[job ${this.id}] ${event.job} ${event.runId} on ${event.backend} (${event.backendReason})`);
        this.log(`[job ${this.id}] run folder ${event.runDir}`);
        break;
      case 'progress':
        this.progress.epoch = event.epoch;
        this.progress.step = event.step;
        this.progress.totalSteps = event.totalSteps;
        this.progress.message = event.message ?? (event.loss !== undefined ? `loss ${event.loss.toFixed(4)}` : undefined);
        break;
      case 'epoch': {
        const stats = event.stats;
        this.log(
          `[job ${this.id}] epoch ${stats.epoch}: loss ${stats.trainLoss.toFixed(4)}, train acc ${(100 * stats.trainAccuracy).toFixed(2)}%, ` +
            `test acc ${(100 * stats.testAccuracy).toFixed(2)}%, logit norm ID train ${stats.logitNormTrain.toFixed(2)} / ID test ${stats.logitNormTest.toFixed(2)} / ${stats.oodProbe} ${stats.logitNormOod.toFixed(2)}, lr ${stats.lr}`,
        );
        break;
      }
      case 'checkpoint':
        this.outcome.checkpoints.push(event.path);
        this.log(`[job ${this.id}] checkpoint epoch ${event.epoch}: ${event.path}`);
        break;
      case 'warning':
        this.log(`[job ${this.id}] warning (${event.code}): ${event.message}`);
        void vscode.window.showWarningMessage(`OOD Lens: ${event.message}`);
        break;
      case 'evaluation':
        this.outcome.evaluationFiles.push(event.path);
        this.log(`[job ${this.id}] evaluation ${event.evaluationId}: ${event.path}`);
        break;
      case 'sweep':
        this.outcome.sweepFile = event.sweepFile;
        if (event.point) {
          this.progress.sweep = { index: event.point.index, count: event.taus.length, text: `tau ${event.point.tau} (${event.point.index + 1}/${event.taus.length})` };
          this.log(`[job ${this.id}] tau ${event.point.tau}: ${event.point.status}${event.point.runId ? ` (${event.point.runId})` : ''}`);
        }
        break;
      case 'finished':
        // A sweep's own end; the train and evaluate jobs inside it end on their own too.
        if (event.job !== this.request.kind) break;
        this.finishedStatus = event.status;
        this.outcome.runId ??= event.runId;
        if (event.summary) this.log(`[job ${this.id}] ${event.status}: ${JSON.stringify(event.summary)}`);
        break;
      case 'error':
        this.outcome.errorMessage = event.message;
        this.outcome.userError = event.userError;
        this.outcome.runId ??= event.runId;
        this.log(`[job ${this.id}] error${event.userError ? '' : ' (a bug; the stack is above)'}: ${event.message}`);
        break;
      default: {
        const unexpected: never = event;
        this.log(`[job ${this.id}] unknown event ${JSON.stringify(unexpected)}`);
      }
    }
    this.reportProgress?.(progressText(this.progress), this.percent);
    this.onProgress();
  }

  cancel(): void {
    if (!this.child || this.cancelRequested) return;
    this.cancelRequested = true;
    this.log(`[job ${this.id}] cancelling: SIGTERM, the engine stops after the current batch`);
    this.child.kill('SIGTERM');
    const child = this.child;
    this.killTimer = setTimeout(() => {
      this.log(`[job ${this.id}] still running ${CANCEL_GRACE_MILLISECONDS / 1000} s after SIGTERM: SIGKILL`);
      child.kill('SIGKILL');
    }, CANCEL_GRACE_MILLISECONDS);
  }
}

/** Gives a job's child process its environment (the native engine's variables, when it is set up). */
export type JobEnvironment = (base: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;

export class JobRunner implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  private readonly statusBarItem: vscode.StatusBarItem;
  /** Names the engine of the running job ("OOD Lens: tfjs-node", "OOD Lens: wasm"). */
  private readonly engineItem: vscode.StatusBarItem;
  private readonly queue: JobQueue<JobOutcome>;
  private readonly running = new Map<number, ChildJob>();
  /** The request of every job not finished yet: what jobs() says of a queued job's run folder. */
  private readonly requests = new Map<number, JobRequest>();
  private readonly eventEmitter = new vscode.EventEmitter<JobEvent>();
  private readonly finishedEmitter = new vscode.EventEmitter<JobOutcome>();
  /** Every worker event of every job, as it arrives. */
  readonly onDidReceiveEvent: vscode.Event<JobEvent> = this.eventEmitter.event;
  /** Each job's outcome, once its child has exited. */
  readonly onDidFinishJob: vscode.Event<JobOutcome> = this.finishedEmitter.event;
  private nextId = 1;
  private readonly cliPath: string;

  constructor(extensionPath: string, private readonly environment: JobEnvironment = (base) => base) {
    this.cliPath = path.join(extensionPath, 'dist', 'cli.js');
    this.output = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME);
    this.statusBarItem = vscode.window.createStatusBarItem('oodLens.job', vscode.StatusBarAlignment.Left, 10);
    this.statusBarItem.name = 'OOD Lens job';
    this.statusBarItem.command = COMMAND_IDS.cancelJob;
    this.engineItem = vscode.window.createStatusBarItem('oodLens.engine', vscode.StatusBarAlignment.Left, 9);
    this.engineItem.name = 'OOD Lens engine';
    this.queue = new JobQueue<JobOutcome>(() => this.updateStatusBar());
  }

  private log(line: string): void {
    this.output.appendLine(line);
  }

  /** The running job and the waiting ones, for "Cancel Job" and Delete Run. */
  jobs(): JobSummary[] {
    const running = this.queue.running;
    return [
      ...(running ? [{ id: running.id, title: running.title, state: 'running' as const, runDir: this.running.get(running.id)?.runDir ?? this.requests.get(running.id)?.runDir }] : []),
      ...this.queue.waiting.map((job) => ({ id: job.id, title: job.title, state: 'queued' as const, runDir: this.requests.get(job.id)?.runDir })),
    ];
  }

  cancel(id: number): boolean {
    return this.queue.cancel(id);
  }

  /** The `--backend` a job not finished yet asked the engine for ('auto' unless a setting or "Train..." named one). */
  requestedBackend(id: number): string | undefined {
    const args = this.requests.get(id)?.args ?? [];
    const at = args.indexOf('--backend');
    return at >= 0 ? args[at + 1] : undefined;
  }

  /** Queues a job; resolves with its outcome once it ran (or was cancelled before it started). */
  run(request: JobRequest): Promise<JobOutcome> {
    return this.submit(request).outcome;
  }

  /** Queues a job and says its id at once, so a caller driving several jobs (a sweep) can cancel it. */
  submit(request: JobRequest): { id: number; outcome: Promise<JobOutcome> } {
    const id = this.nextId++;
    this.requests.set(id, request);
    const waitingBefore = this.jobs().length;
    if (waitingBefore > 0) this.log(`[job ${id}] queued behind ${waitingBefore} job${waitingBefore === 1 ? '' : 's'}: ${request.title}`);
    const queued: QueuedJob<JobOutcome> = {
      id,
      title: request.title,
      start: () => this.start(id, request),
      cancelledBeforeStart: () => ({ id, kind: request.kind, title: request.title, status: 'cancelled', exitCode: null, evaluationFiles: [], checkpoints: [] }),
    };
    const outcome = this.queue.enqueue(queued).then((finished) => {
      this.requests.delete(id);
      this.finishedEmitter.fire(finished);
      if (finished.status === 'failed') this.showFailure(finished);
      return finished;
    });
    return { id, outcome };
  }

  private start(id: number, request: JobRequest): RunningJob<JobOutcome> {
    const job = new ChildJob(id, request, this.cliPath, this.environment, (line) => this.log(line), (event) => this.eventEmitter.fire(event), () => this.updateStatusBar());
    this.running.set(id, job);
    void job.done.then(() => this.running.delete(id));
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `OOD Lens: ${request.title}`, cancellable: true },
      (progress, token) => {
        const cancellation = token.onCancellationRequested(() => this.queue.cancel(id));
        let reported = 0;
        job.attachProgress((text, percent) => {
          const increment = Math.max(0, percent - reported);
          reported = Math.max(reported, percent);
          progress.report({ message: text, increment });
        });
        return job.done.finally(() => cancellation.dispose());
      },
    );
    return job;
  }

  private showFailure(outcome: JobOutcome): void {
    const openLog = 'Open Log';
    const actions = outcome.userError ? [openLog, 'Open Settings'] : [openLog];
    void vscode.window.showErrorMessage(`OOD Lens: ${outcome.title} failed: ${outcome.errorMessage ?? 'see the log'}`, ...actions).then((choice) => {
      if (choice === openLog) this.output.show(true);
      else if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'oodLens');
    });
  }

  private updateStatusBar(): void {
    const running = this.queue.running;
    if (!running) {
      this.statusBarItem.hide();
      this.engineItem.hide();
      return;
    }
    const job = this.running.get(running.id);
    this.updateEngineItem(job);
    const waiting = this.queue.waiting.length;
    const detail = job ? job.statusText : running.title;
    this.statusBarItem.text = `$(sync~spin) OOD Lens: ${job ? `${Math.floor(job.percent)}%` : 'starting'}${waiting > 0 ? ` (+${waiting} queued)` : ''}`;
    this.statusBarItem.tooltip = `${detail}\nClick to cancel.`;
    this.statusBarItem.show();
  }

  /** The running job's engine, as its `started` event named it; hidden until then. */
  private updateEngineItem(job: ChildJob | undefined): void {
    const backend = job?.backend;
    if (!backend) {
      this.engineItem.hide();
      return;
    }
    const native = backend.name === 'tensorflow' || backend.name === 'tensorflow-gpu';
    this.engineItem.text = `$(${native ? 'zap' : 'circuit-board'}) OOD Lens: ${backendLabel(backend.name)}`;
    this.engineItem.tooltip = `The engine of "${job.statusText}": ${backendLabel(backend.name)}\n${backend.reason}` +
      (native ? '' : '\nClick to set up native TensorFlow (tfjs-node), several times faster.');
    this.engineItem.command = native ? COMMAND_IDS.showLog : COMMAND_IDS.setUpNativeTensorflow;
    this.engineItem.show();
  }

  dispose(): void {
    this.queue.dispose();
    for (const job of this.running.values()) job.cancel();
    this.statusBarItem.dispose();
    this.engineItem.dispose();
    this.eventEmitter.dispose();
    this.finishedEmitter.dispose();
    this.output.dispose();
  }
}
