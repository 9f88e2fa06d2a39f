/**
 * The installer's child processes (npm, pip, python, node-gyp under npm, the engine's check),
 * run without blocking the caller (the extension host runs the installer) and stoppable: on
 * abort the whole process tree goes (npm's scripts run make and g++ in grandchildren).
 */
import { spawn } from 'node:child_process';

/** The set-up was cancelled (its AbortSignal fired). */
export class SetupCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'SetupCancelled';
  }
}

export interface ProcessResult {
  ok: boolean;
  status: number | null;
  /** stdout and stderr as they came, the last MAX_KEPT characters. */
  out: string;
  /** Set when the program could not be started at all (ENOENT: not installed). */
  error?: NodeJS.ErrnoException;
  timedOut: boolean;
}

export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each line of output, as it comes (for a log). */
  onLine?: (line: string) => void;
  timeoutMs?: number;
  /** Run through a shell: only for the .cmd launchers of Windows (npm), whose arguments hold no spaces. */
  shell?: boolean;
}

const MAX_KEPT = 256 * 1024;
const KILL_GRACE_MILLISECONDS = 3000;

/** Ends `pid` and everything it started: its process group on POSIX (spawned detached), taskkill /T on Windows. */
function killTree(pid: number, signal: NodeJS.Signals): void {
  try {
    if (process.platform === 'win32') spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    else process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs `command args` to its end; rejects with SetupCancelled when `signal` fires (after the tree
 * is killed). Never rejects otherwise: a failure to start is `error` (ENOENT: the program is missing).
 */
export function runProcess(command: string, args: string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new SetupCancelled());
  return new Promise((resolve, reject) => {
    let out = '';
    let pending = '';
    let timedOut = false;
    let cancelled = false;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a cancel reaches npm's scripts and their compilers too.
      detached: process.platform !== 'win32',
      shell: options.shell ?? false,
      windowsHide: true,
    });
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out = (out + text).slice(-MAX_KEPT);
      if (!options.onLine) return;
      const lines = (pending + text).split(/\r?\n|\r/);
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') options.onLine(line);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    let graceTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      killTree(child.pid, 'SIGTERM');
      graceTimer = setTimeout(() => child.pid !== undefined && killTree(child.pid, 'SIGKILL'), KILL_GRACE_MILLISECONDS);
    };
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          stop();
        }, options.timeoutMs)
      : undefined;
    let startError: NodeJS.ErrnoException | undefined;
    child.on('error', (error: NodeJS.ErrnoException) => {
      startError = error;
    });
    child.on('close', (status) => {
      if (timer) clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      if (pending.trim() !== '') options.onLine?.(pending);
      if (cancelled) {
        reject(new SetupCancelled());
        return;
      }
      resolve({ ok: status === 0 && !startError && !timedOut, status, out, error: startError, timedOut });
    });
  });
}

/** Whether the program could not be started because it is not there (not on the PATH). */
export function isMissingProgram(result: ProcessResult): boolean {
  return result.error?.code === 'ENOENT' || (process.platform === 'win32' && /is not recognized as an internal or external command/.test(result.out));
}

/** The last `count` lines of an output, indented, for a log. */
export function lastLines(text: string, count = 15): string {
  return text.trim().split('\n').slice(-count).map((line) => `    ${line}`).join('\n');
}
