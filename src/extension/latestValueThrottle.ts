/**
 * Hands on the latest of quickly arriving values at most once per interval: the first at once,
 * later ones no sooner than `intervalMilliseconds` after the one before, and only the newest of
 * those that arrived in between (older ones are dropped, never queued). `flush` hands on what is
 * waiting now. Pure (timers only, no `vscode`), so it is unit-tested under Node.
 */
export class LatestValueThrottle<T> {
  private pending: { value: T } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMilliseconds: number,
    private readonly send: (value: T) => void,
  ) {}

  push(value: T): void {
    this.pending = { value };
    if (this.timer) return;
    const wait = this.lastSentAt + this.intervalMilliseconds - Date.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.pending) return;
    const { value } = this.pending;
    this.pending = undefined;
    this.lastSentAt = Date.now();
    this.send(value);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
