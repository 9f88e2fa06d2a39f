import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserInputError } from '../errors';
import { appendLine, writeDirAtomic, writeFileAtomic, writeJsonAtomic } from './atomicWrite';
import { CHECKPOINTS_DIR, checkpointFolderName, listCheckpointFolders, type CheckpointRef } from './checkpointFolders';
import { HISTORY_FILE, parseHistory, type EpochStats } from './history';

/**
 * The run store on disk (DESIGN.md, "A run on disk"):
 *   <root>/<run-id>/run.json, history.jsonl, checkpoints/epoch-<n>/, evaluations/<eval-id>.json
 * Everything the CLI lists and the extension shows is read from here.
 */

export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled';
/** What a reader sees: a `running` run whose process is gone on this host is `interrupted`. */
export type ObservedStatus = RunStatus | 'interrupted';

export interface RunRecord<Config = Record<string, unknown>> {
  id: string;
  /** 'imported' for a model brought by the user (an ONNX file, see core/imported); absent for a run trained here. */
  kind?: 'trained' | 'imported';
  createdAt: string;
  updatedAt: string;
  status: RunStatus;
  config: Config;
  backend?: { name: string; reason: string };
  /** Last epoch whose checkpoint and history line are both on disk. */
  epochsDone: number;
  bestTestAccuracy?: number;
  error?: string;
  warnings: string[];
  /** The process writing the run while it runs, so readers can tell a crash from a live run. */
  pid?: number;
  host?: string;
}

export type { CheckpointRef };

export const RUN_FILE = 'run.json';
export { HISTORY_FILE };
export { CHECKPOINTS_DIR };
export const EVALUATIONS_DIR = 'evaluations';

/**
 * What runs are ordered by, newest first, in every layer: run.json's createdAt, or else the time
 * stamp a run id starts with (20261127-093000-... -> 2026-11-27T09:30:00), or else nothing (last).
 * A run.json need not have createdAt (one written by hand or by an older version): listing runs
 * must not fail on it.
 */
export function runOrderKey(record: { createdAt?: unknown }, folderName: string): string {
  if (typeof record.createdAt === 'string' && record.createdAt !== '') return record.createdAt;
  const stamp = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(folderName);
  return stamp ? `${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}` : '';
}

export function defaultRunsRoot(workspace: string = process.cwd()): string {
  return path.join(workspace, '.oodlens', 'runs');
}

/**
 * The status a reader should see: a run that says `running` but whose process on this host is
 * gone (killed hard, machine crashed) is `interrupted`. Shared by the engine and the extension.
 */
export function observedRunStatus<S extends string>(status: S, pid: unknown, host: unknown): S | 'interrupted' {
  if (status === 'running' && typeof pid === 'number' && host === os.hostname() && !isAlive(pid)) return 'interrupted';
  return status;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Run<Config = Record<string, unknown>> {
  constructor(readonly dir: string, public record: RunRecord<Config>) {}

  get id(): string {
    return this.record.id;
  }

  get observedStatus(): ObservedStatus {
    const r = this.record;
    return observedRunStatus(r.status, r.pid, r.host);
  }

  update(patch: Partial<RunRecord<Config>>): void {
    this.record = { ...this.record, ...patch, updatedAt: new Date().toISOString() };
    writeJsonAtomic(path.join(this.dir, RUN_FILE), this.record);
  }

  /** The epochs on disk; a damaged line (not the torn last one) is an error naming it. */
  history(): EpochStats[] {
    const file = path.join(this.dir, HISTORY_FILE);
    if (!fs.existsSync(file)) return [];
    const { epochs, problem } = parseHistory(fs.readFileSync(file, 'utf8'), file);
    if (problem) throw new UserInputError(problem, file, 'history.jsonl with one epoch record a line');
    return epochs;
  }

  appendHistory(stats: EpochStats): void {
    appendLine(path.join(this.dir, HISTORY_FILE), JSON.stringify(stats));
  }

  /** Keeps the history lines of epochs <= `epoch` (resuming from that epoch's checkpoint). */
  truncateHistory(epoch: number): void {
    const kept = this.history().filter((h) => h.epoch <= epoch);
    writeFileAtomic(path.join(this.dir, HISTORY_FILE), kept.map((h) => JSON.stringify(h) + '\n').join(''));
  }

  checkpointDir(epoch: number): string {
    return path.join(this.dir, CHECKPOINTS_DIR, checkpointFolderName(epoch));
  }

  /** Complete checkpoints (folders renamed into place), oldest first. */
  checkpoints(): CheckpointRef[] {
    return listCheckpointFolders(this.dir);
  }

  latestCheckpoint(): CheckpointRef | undefined {
    const all = this.checkpoints();
    return all[all.length - 1];
  }

  saveCheckpoint(epoch: number, files: Record<string, string | Uint8Array>): CheckpointRef {
    fs.mkdirSync(path.join(this.dir, CHECKPOINTS_DIR), { recursive: true });
    const dir = this.checkpointDir(epoch);
    writeDirAtomic(dir, files);
    return { epoch, dir };
  }

  get evaluationsDir(): string {
    return path.join(this.dir, EVALUATIONS_DIR);
  }
}

export class RunStore {
  constructor(readonly root: string) {}

  /** Every run folder with a readable run.json, newest first. Unreadable folders are skipped. */
  list(): Run[] {
    if (!fs.existsSync(this.root)) return [];
    const runs: Run[] = [];
    for (const name of fs.readdirSync(this.root)) {
      const dir = path.join(this.root, name);
      try {
        runs.push(RunStore.read(dir));
      } catch {
        // a folder that is not a run (or a run.json being replaced right now): not listed
      }
    }
    return runs.sort((a, b) => runOrderKey(b.record, path.basename(b.dir)).localeCompare(runOrderKey(a.record, path.basename(a.dir))));
  }

  /** Makes a new run folder with a readable, unique id, and writes its run.json. */
  create<Config>(baseName: string, config: Config): Run<Config> {
    try {
      fs.mkdirSync(this.root, { recursive: true });
      fs.accessSync(this.root, fs.constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new UserInputError(`cannot write runs to ${this.root} (${code}): expected a folder you can write to (--out DIR)`, this.root, 'a writable folder');
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const base = `${stamp}-${baseName}`.replace(/[^A-Za-z0-9._-]+/g, '_');
    let id = base;
    for (let i = 2; ; i++) {
      try {
        fs.mkdirSync(path.join(this.root, id));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        id = `${base}-${i}`;
      }
    }
    const now = new Date().toISOString();
    const run = new Run<Config>(path.join(this.root, id), {
      id,
      createdAt: now,
      updatedAt: now,
      status: 'running',
      config,
      epochsDone: 0,
      warnings: [],
      pid: process.pid,
      host: os.hostname(),
    });
    run.update({});
    return run;
  }

  /** A run by id (under this store) or by the path of its folder. */
  open<Config = Record<string, unknown>>(idOrPath: string): Run<Config> {
    const candidates = [idOrPath, path.join(this.root, idOrPath)];
    for (const dir of candidates) {
      if (fs.existsSync(path.join(dir, RUN_FILE))) return RunStore.read<Config>(dir);
    }
    throw new UserInputError(
      `no run '${idOrPath}': expected a run id under ${this.root} or the path of a run folder holding ${RUN_FILE}`,
      idOrPath,
      'a run id or run folder',
    );
  }

  static read<Config = Record<string, unknown>>(dir: string): Run<Config> {
    const file = path.join(dir, RUN_FILE);
    let record: RunRecord<Config>;
    try {
      record = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord<Config>;
    } catch (e) {
      throw new UserInputError(`cannot read ${file}: ${(e as Error).message}; expected a run.json written by ood-lens`, file, 'run.json');
    }
    if (typeof record.id !== 'string' || typeof record.status !== 'string') {
      throw new UserInputError(`${file} is not a run record: expected fields id and status`, file, 'run.json');
    }
    return new Run<Config>(dir, record);
  }
}
