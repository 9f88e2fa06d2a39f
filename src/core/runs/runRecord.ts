/**
 * run.json, a run folder's record: its type, the one tolerant reader and the one writer every
 * layer uses (the engine, the CLI, the extension host). No tfjs, no vscode; sync and async reads
 * share the parser, so the rules below hold everywhere.
 *
 * The rules of reading:
 *  - a missing file, text that is not JSON, a value that is not an object, or a `status` that is
 *    not one of RUN_STATUSES is a problem: readers that list runs show the folder with it, the
 *    engine refuses to open the run and names the file;
 *  - `id` is the file's, or else the folder's name; `config` an object (else {}); `warnings` the
 *    strings of its list (else []); `epochsDone` a number (else 0); the other known fields are
 *    kept when they have their type and dropped when not;
 *  - every field the reader does not know is kept, so a rewrite (markRunCancelledAfterKill, an
 *    older or newer version's fields) loses nothing.
 * run.json need not have createdAt (one written by hand or by an older version).
 */
import { promises as fsPromises, readFileSync, readdirSync, type Dirent } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeJsonAtomic } from './atomicWrite';

export const RUN_FILE = 'run.json';

export const RUN_STATUSES = ['running', 'done', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** What a reader sees: a `running` run whose process is gone on this host is `interrupted`. */
export type ObservedStatus = RunStatus | 'interrupted';

export interface RunRecord<Config = Record<string, unknown>> {
  id: string;
  /** 'imported' for a model brought by the user (an ONNX file, see core/imported); absent for a run trained here. */
  kind?: 'trained' | 'imported';
  createdAt?: string;
  updatedAt?: string;
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

/** run.json as read: the record, or why there is none. */
export type RunFileRead = { record: RunRecord; problem?: undefined } | { record?: undefined; problem: string };

/** What every list of runs shows of a run folder: its record flattened, or the problem with its run.json. */
export interface RunSummary {
  id: string;
  runDir: string;
  /** The observed status (`interrupted` for a running run whose process is gone), 'unknown' without a record. */
  status: ObservedStatus | 'unknown';
  config: Record<string, unknown>;
  /** Why run.json could not be read, when it could not; the folder is still listed. */
  problem?: string;
  kind?: 'trained' | 'imported';
  createdAt?: string;
  epochsDone?: number;
  bestTestAccuracy?: number;
  /** The engine's message when the run failed. */
  error?: string;
  /** The engine's warnings about the run (e.g. `logit-norm-runaway: ...`), oldest first. */
  warnings: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/**
 * The rules above, on run.json's text (undefined: the file is missing). A problem names run.json,
 * not its folder: the caller knows which folder it read.
 */
export function parseRunFile(text: string | undefined, folderName = ''): RunFileRead {
  if (text === undefined) return { problem: `${RUN_FILE} is missing` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problem: `${RUN_FILE} is not valid JSON (${(error as Error).message})` };
  }
  if (!isObject(parsed)) return { problem: `${RUN_FILE} is not a JSON object` };
  if (!isRunStatus(parsed.status)) {
    return { problem: `${RUN_FILE} has status ${JSON.stringify(parsed.status) ?? 'none'}: expected one of ${RUN_STATUSES.join(', ')}` };
  }
  const { backend, kind, createdAt, updatedAt, bestTestAccuracy, error, pid, host, ...rest } = parsed;
  const record: RunRecord = {
    ...rest,
    id: typeof parsed.id === 'string' && parsed.id !== '' ? parsed.id : folderName,
    status: parsed.status,
    config: isObject(parsed.config) ? parsed.config : {},
    epochsDone: typeof parsed.epochsDone === 'number' && Number.isFinite(parsed.epochsDone) ? parsed.epochsDone : 0,
    warnings: Array.isArray(parsed.warnings) ? parsed.warnings.filter((warning): warning is string => typeof warning === 'string') : [],
  };
  if (kind === 'trained' || kind === 'imported') record.kind = kind;
  if (typeof createdAt === 'string') record.createdAt = createdAt;
  if (typeof updatedAt === 'string') record.updatedAt = updatedAt;
  if (isObject(backend) && typeof backend.name === 'string') record.backend = { name: backend.name, reason: typeof backend.reason === 'string' ? backend.reason : '' };
  if (typeof bestTestAccuracy === 'number') record.bestTestAccuracy = bestTestAccuracy;
  if (typeof error === 'string') record.error = error;
  if (typeof pid === 'number') record.pid = pid;
  if (typeof host === 'string') record.host = host;
  return { record };
}

function runFileOf(runDir: string): string {
  return path.join(runDir, RUN_FILE);
}

function readFailure(error: unknown): RunFileRead {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? parseRunFile(undefined) : { problem: `${RUN_FILE} cannot be read (${code ?? (error as Error).message})` };
}

/** Reads `<runDir>/run.json` by the rules above. */
export function readRunFile(runDir: string): RunFileRead {
  try {
    return parseRunFile(readFileSync(runFileOf(runDir), 'utf8'), path.basename(runDir));
  } catch (error) {
    return readFailure(error);
  }
}

/** The same, without blocking the event loop (the extension host). */
export async function readRunFileAsync(runDir: string): Promise<RunFileRead> {
  try {
    return parseRunFile(await fsPromises.readFile(runFileOf(runDir), 'utf8'), path.basename(runDir));
  } catch (error) {
    return readFailure(error);
  }
}

/** The one writer of run.json: the whole record, replaced atomically, with updatedAt set now. */
export function writeRunFile<Config>(runDir: string, record: RunRecord<Config>): RunRecord<Config> {
  const written = { ...record, updatedAt: new Date().toISOString() };
  writeJsonAtomic(runFileOf(runDir), written);
  return written;
}

/**
 * Read, change, write: `change` gets the record as on disk and returns the fields to replace, or
 * undefined to leave the file as it is. Returns the record written, or undefined when nothing was
 * (run.json unreadable, or `change` declined).
 */
export function updateRunFile(runDir: string, change: (record: RunRecord) => Partial<RunRecord> | undefined): RunRecord | undefined {
  const read = readRunFile(runDir);
  if (!read.record) return undefined;
  const patch = change(read.record);
  return patch ? writeRunFile(runDir, { ...read.record, ...patch }) : undefined;
}

/**
 * Marks a run `cancelled` after its process had to be killed (SIGKILL) because it did not stop
 * on SIGTERM, so it cannot mark itself. Only a run that still says `running` and was written by
 * that process (or names none) is changed; `reason` joins its warnings. Returns whether it was.
 */
export function markRunCancelledAfterKill(runDir: string, pid: number | undefined, reason: string): boolean {
  const written = updateRunFile(runDir, (record) => {
    if (record.status !== 'running') return undefined;
    if (pid !== undefined && record.pid !== undefined && record.pid !== pid) return undefined;
    return { status: 'cancelled', pid: undefined, warnings: [...record.warnings, reason] };
  });
  return written !== undefined;
}

/**
 * The status a reader should see: a run that says `running` but whose process on this host is
 * gone (killed hard, machine crashed) is `interrupted`.
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

export function runSummaryOf(runDir: string, read: RunFileRead): RunSummary {
  if (!read.record) return { id: path.basename(runDir), runDir, status: 'unknown', config: {}, problem: read.problem, warnings: [] };
  const record = read.record;
  return {
    id: record.id,
    runDir,
    status: observedRunStatus(record.status, record.pid, record.host),
    config: record.config,
    kind: record.kind,
    createdAt: record.createdAt,
    epochsDone: record.epochsDone,
    bestTestAccuracy: record.bestTestAccuracy,
    error: record.error,
    warnings: record.warnings,
  };
}

/**
 * What runs are ordered by, newest first, in every layer: run.json's createdAt, or else the time
 * stamp a run id starts with (20261127-093000-... -> 2026-11-27T09:30:00), or else nothing (last).
 */
export function runOrderKey(record: { createdAt?: unknown }, folderName: string): string {
  if (typeof record.createdAt === 'string' && record.createdAt !== '') return record.createdAt;
  const stamp = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(folderName);
  return stamp ? `${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}` : '';
}

/**
 * Sorts run folders newest first by runOrderKey (a folder without a record by its name alone);
 * runs of the same second by folder name, last first, so the order never depends on how the
 * file system listed them.
 */
export function sortNewestFirst<T extends { runDir: string }>(folders: T[], recordOf: (folder: T) => { createdAt?: unknown } | undefined): T[] {
  const key = (folder: T) => runOrderKey(recordOf(folder) ?? {}, path.basename(folder.runDir));
  return folders.sort((a, b) => key(b).localeCompare(key(a)) || path.basename(b.runDir).localeCompare(path.basename(a.runDir)));
}

/**
 * The run folders among the entries of a runs folder: sub-folders whose name does not start
 * with a dot (`.sweeps/` holds the tau sweeps).
 */
function runFolderPaths(runsRoot: string, entries: Dirent[]): string[] {
  return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => path.join(runsRoot, entry.name));
}

/** The run folders under `runsRoot` (none when it does not exist), in no particular order. */
export function listRunDirs(runsRoot: string): string[] {
  try {
    return runFolderPaths(runsRoot, readdirSync(runsRoot, { withFileTypes: true }));
  } catch {
    return [];
  }
}

export async function listRunDirsAsync(runsRoot: string): Promise<string[]> {
  try {
    return runFolderPaths(runsRoot, await fsPromises.readdir(runsRoot, { withFileTypes: true }));
  } catch {
    return [];
  }
}

/** Every run folder under `runsRoot` with its run.json read, newest first (a folder whose run.json is unreadable too, with its problem). */
export function readRunSummaries(runsRoot: string): RunSummary[] {
  const read = listRunDirs(runsRoot).map((runDir) => ({ runDir, read: readRunFile(runDir) }));
  return sortNewestFirst(read, (folder) => folder.read.record).map(({ runDir, read: file }) => runSummaryOf(runDir, file));
}

export async function readRunSummariesAsync(runsRoot: string): Promise<RunSummary[]> {
  const read = await Promise.all((await listRunDirsAsync(runsRoot)).map(async (runDir) => ({ runDir, read: await readRunFileAsync(runDir) })));
  return sortNewestFirst(read, (folder) => folder.read.record).map(({ runDir, read: file }) => runSummaryOf(runDir, file));
}

