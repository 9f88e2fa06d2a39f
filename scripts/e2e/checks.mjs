// The e2e run's checks: each one named, with its own deadline, recorded as passed, failed or
// skipped (when a check it needs did not pass), and the closing summary line. A check's failure
// never ends the run; a body still running after its deadline cannot fail the run later.

/** @typedef {{ name: string, status: 'passed' | 'failed' | 'skipped', error?: string }} CheckResult */

const DEFAULT_DEADLINE_MILLISECONDS = 5 * 60 * 1000;
const STATUS_WORDS = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' };

export class CheckRecorder {
  /** @type {CheckResult[]} */
  results = [];

  /** `onFailure(name, index)` may leave evidence (a screenshot) and returns a line saying where. */
  constructor(log, onFailure = async () => undefined) {
    this.log = log;
    this.onFailure = onFailure;
  }

  /**
   * Runs `body` as the check `name` unless one of `needs` (label -> whether that check passed) is
   * false, in which case the check is recorded as skipped. Returns whether it passed.
   */
  async check(name, body, { needs = {}, timeoutMs = DEFAULT_DEADLINE_MILLISECONDS } = {}) {
    const missing = Object.entries(needs).filter(([, passed]) => !passed).map(([label]) => label);
    if (missing.length > 0) {
      this.record(name, 'skipped', `the earlier check${missing.length > 1 ? 's' : ''} it needs (${missing.join(', ')}) did not pass`);
      return false;
    }
    const startedAt = Date.now();
    const work = Promise.resolve().then(body);
    // After the deadline the body may still settle; its outcome no longer counts.
    work.catch(() => {});
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no result within the check's deadline of ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      await Promise.race([work, deadline]);
      this.record(name, 'passed', undefined, Date.now() - startedAt);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const evidence = await this.onFailure(name, this.failedCount() + 1).catch(() => undefined);
      this.record(name, 'failed', evidence ? `${message}\n${evidence}` : message, Date.now() - startedAt);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Records an outcome found some other way (the extension-host suite's own results). */
  record(name, status, error, elapsedMs) {
    this.results.push({ name, status, error });
    const took = elapsedMs === undefined ? '' : ` (${(elapsedMs / 1000).toFixed(1)} s)`;
    const detail = error ? `\n       ${error.split('\n').join('\n       ')}` : '';
    this.log(`${STATUS_WORDS[status]} ${name}${took}${detail}`);
  }

  failedCount() {
    return this.results.filter((result) => result.status === 'failed').length;
  }

  /** Prints what failed and was skipped, then the closing line; returns the exit code. */
  summarize() {
    const count = (status) => this.results.filter((result) => result.status === status).length;
    const [passed, failed, skipped] = [count('passed'), count('failed'), count('skipped')];
    for (const result of this.results.filter((r) => r.status !== 'passed')) console.log(`  ${result.status}: ${result.name}`);
    console.log(`e2e: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
    return failed > 0 || passed === 0 ? 1 : 0;
  }
}
