/**
 * Cuts a child's stdout, which arrives in chunks of any size, into whole lines. A line is handed
 * on only once its newline arrived; `flush` hands on a last line without one (the child exited).
 * Pure: no `vscode`, so it is unit-tested under Node.
 */
export class LineSplitter {
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  flush(): void {
    if (this.pending === '') return;
    const last = this.pending;
    this.pending = '';
    this.onLine(last);
  }
}
