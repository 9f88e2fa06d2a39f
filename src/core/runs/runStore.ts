import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserInputError } from '../errors';
import { appendLine, writeDirAtomic, writeFileAtomic } from './atomicWrite';
import { CHECKPOINTS_DIR, checkpointFolderName, listCheckpointFolders, type CheckpointRef } from './checkpointFolders';
import { HISTORY_FILE, parseHistory, type EpochStats } from './history';
import {
  RUN_FILE,
  listRunDirs,
  observedRunStatus,
  readRunFile,
  runOrderKey,
  sortNewestFirst,
  writeRunFile,
  type ObservedStatus,
  type RunRecord,
  type RunStatus,
} from './runRecord';

/**
 * The run store on disk (DESIGN.md, "A run on disk"):
 *   <root>/<run-id>/run.json, history.jsonl, checkpoints/epoch-<n>/, evaluations/<eval-id>.json
 * Everything the CLI lists and the extension shows is read from here. run.json is read and
 * written by runRecord.ts, history.jsonl by history.ts, checkpoints by checkpointFolders.ts.
 */

export type { CheckpointRef, ObservedStatus, RunRecord, RunStatus };
export { RUN_FILE, HISTORY_FILE, CHECKPOINTS_DIR, observedRunStatus, runOrderKey };
export const EVALUATIONS_DIR = 'evaluations';

export function defaultRunsRoot(workspace: string = process.cwd()): string {
  return path.join(workspace, '.oodlens', 'runs');
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
    this.record = writeRunFile(this.dir, { ...this.record, ...patch });
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
    const readable = listRunDirs(this.root).flatMap((runDir) => {
      // A folder whose run.json cannot be read is not a run to train or evaluate (readRunSummaries lists it with its problem).
      const { record } = readRunFile(runDir);
      return record ? [{ runDir, record }] : [];
    });
    return sortNewestFirst(readable, (folder) => folder.record).map(({ runDir, record }) => new Run(runDir, record));
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

  /** The run of a folder; its run.json must read (runRecord.ts), else the error names the file and why. */
  static read<Config = Record<string, unknown>>(dir: string): Run<Config> {
    const read = readRunFile(dir);
    if (!read.record) {
      const file = path.join(dir, RUN_FILE);
      throw new UserInputError(`cannot read the run in ${dir}: ${read.problem}; expected a run.json written by ood-lens`, file, 'run.json');
    }
    // The config is whatever the writer stored; each caller names the shape it wrote.
    return new Run<Config>(dir, read.record as RunRecord<Config>);
  }
}
