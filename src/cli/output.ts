import { WORKER_PROTOCOL_VERSION, type WorkerEvent } from '../protocol';
import type { EventBody } from '../core/train/trainer';
import { ProgressBar, formatSeconds } from './progressBar';

/**
 * Where a command's output goes. With `--events jsonl`, stdout carries exactly one JSON event a
 * line (for the extension) and human text goes to stderr; otherwise events are drawn as a
 * progress bar and readable lines.
 */
export class Output {
  readonly bar = new ProgressBar();
  /** Within a tau sweep, which tau the progress bar is of ("tau 0.01 (2/5) "). */
  private barPrefix = '';

  /**
   * @param jsonEvents stdout is the JSON event stream
   * @param stdoutReserved stdout is kept for a machine-readable result (--json): text goes to stderr
   */
  constructor(readonly jsonEvents: boolean, private readonly stdoutReserved = false) {}

  emit(body: EventBody): void {
    const event = { v: WORKER_PROTOCOL_VERSION, ...body } as WorkerEvent;
    if (this.jsonEvents) {
      process.stdout.write(JSON.stringify(event) + '\n');
      return;
    }
    this.render(event);
  }

  /** Human text: stdout normally, stderr in events mode (stdout is the event stream then). */
  info(message: string): void {
    this.bar.clear();
    (this.jsonEvents || this.stdoutReserved ? process.stderr : process.stdout).write(message + '\n');
  }

  log(message: string): void {
    this.bar.clear();
    process.stderr.write(message + '\n');
  }

  private render(e: WorkerEvent): void {
    switch (e.type) {
      case 'started':
        this.info(`${e.job} ${e.runId} on ${e.backend} (${e.backendReason})\n  folder: ${e.runDir}`);
        break;
      case 'progress': {
        const parts = [] as string[];
        if (e.loss !== undefined) parts.push(`loss ${e.loss.toFixed(4)}`);
        if (e.imagesPerSecond !== undefined) parts.push(`${e.imagesPerSecond.toFixed(0)} img/s`);
        if (e.etaSeconds !== undefined) parts.push(`ETA ${formatSeconds(e.etaSeconds)}`);
        if (e.message) parts.push(e.message);
        this.bar.update(`${this.barPrefix}${e.epoch !== undefined ? `epoch ${e.epoch}` : e.job}`, e.step, e.totalSteps, parts.join('  '));
        break;
      }
      case 'epoch': {
        const s = e.stats;
        this.info(
          `epoch ${s.epoch}: loss ${s.trainLoss.toFixed(4)}  train acc ${(100 * s.trainAccuracy).toFixed(2)}%  test acc ${(100 * s.testAccuracy).toFixed(2)}%  ` +
            `logit norm train ${s.logitNormTrain.toFixed(2)} / test ${s.logitNormTest.toFixed(2)} / ${s.oodProbe} ${s.logitNormOod.toFixed(2)}  ` +
            `lr ${s.lr.toPrecision(3)}  ${s.seconds.toFixed(1)} s  ${s.imagesPerSecond.toFixed(0)} img/s`,
        );
        break;
      }
      case 'checkpoint':
        break;
      case 'warning':
        this.log(`warning: ${e.message}`);
        break;
      case 'evaluation':
        this.info(`evaluation ${e.evaluationId} written to ${e.path}`);
        break;
      case 'sweep': {
        const point = e.point;
        // One line when a tau starts training, starts its evaluation or ends; the bars between say which tau.
        if (!point || point.status === 'queued' || (point.status === 'training' && point.runId !== undefined)) break;
        this.barPrefix = `tau ${point.tau} (${point.index + 1}/${e.taus.length}) `;
        this.info(`${this.barPrefix}${point.status}${point.runId ? `: ${point.runId}` : ''}`);
        break;
      }
      case 'finished':
        if (e.job === 'sweep') this.barPrefix = '';
        this.info(`${e.job} ${e.runId}: ${e.status}`);
        break;
      case 'error':
        this.log(`error: ${e.message}`);
        break;
      default: {
        const unhandled: never = e;
        throw new Error(`unhandled event ${JSON.stringify(unhandled)}`);
      }
    }
  }
}
