/**
 * A one-line terminal progress bar on stderr (batch, loss, images/s, ETA), redrawn in place on a
 * TTY and printed at most every few seconds otherwise, so logs stay readable.
 */
export class ProgressBar {
  private lastPrint = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly width = 24) {}

  update(label: string, done: number, total: number, details: string): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(fraction * this.width);
    const bar = '#'.repeat(filled) + '-'.repeat(this.width - filled);
    const line = `${label} [${bar}] ${done}/${total} ${details}`;
    if (this.stream.isTTY) {
      const columns = this.stream.columns || 120;
      this.stream.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, this.lastLength))}`);
      this.lastLength = Math.min(columns - 1, line.length);
      this.drawn = true;
    } else {
      const now = Date.now();
      if (now - this.lastPrint < 5000 && done < total) return;
      this.lastPrint = now;
      this.stream.write(line + '\n');
    }
  }

  private lastLength = 0;

  /** Ends the current bar line so the next output starts on a fresh line. */
  clear(): void {
    if (this.drawn && this.stream.isTTY) this.stream.write('\n');
    this.drawn = false;
    this.lastLength = 0;
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const sec = Math.round(s);
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const r = sec % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
