/**
 * Reads the run store on disk (DESIGN.md, "A run on disk") without the engine: plain JSON and
 * folder listings, so the extension never loads tfjs. Every function tolerates a run that is
 * being written right now: a missing or half-written file is reported, never thrown.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EvaluationResult } from '../core/evaluate/results';
import { observedRunStatus, runOrderKey } from '../core/runs/runStore';
import { listCheckpointFoldersAsync, type CheckpointRef } from '../core/runs/checkpointFolders';
import { HISTORY_FILE, parseHistory, type EpochStats } from '../core/runs/history';

/** Where runs live inside a workspace folder. */
export const RUNS_FOLDER_RELATIVE = path.join('.oodlens', 'runs');

/** What the tree and the dashboard need of one run folder's run.json. */
export interface RunFolderSummary {
  id: string;
  runDir: string;
  /** The run's config as written by the engine; shown as key/value facts. */
  config: Record<string, unknown>;
  status: string;
  /** Why run.json could not be read, when it could not; the folder is still listed. */
  problem?: string;
  bestTestAccuracy?: number;
  epochsDone?: number;
  /** The engine's message when the run failed. */
  error?: string;
  /** run.json's createdAt, when it has one (the order of runs: runOrderKey). */
  createdAt?: string;
  /** The engine's warnings about the run (e.g. `logit-norm-runaway: ...`), oldest first. */
  warnings?: string[];
  /** 'imported' for a model brought by the user (an ONNX file): no checkpoints, its evaluations hang under the run. */
  kind?: string;
}

/** One `<run>/evaluations/<id>.json`, read and checked for its format marker. */
export interface EvaluationFile {
  file: string;
  result: EvaluationResult;
}

export type CheckpointFolder = CheckpointRef;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The runs folder of a workspace folder: the setting `oodLens.runsFolder`, relative to the folder or absolute. */
export function runsRootOf(workspaceFolderPath: string, configured: string = RUNS_FOLDER_RELATIVE): string {
  return path.resolve(workspaceFolderPath, configured.trim() === '' ? RUNS_FOLDER_RELATIVE : configured);
}

/** Reads `<runDir>/run.json`: { id, config: {...}, status }. */
export async function readRunSummary(runDir: string): Promise<RunFolderSummary> {
  const folderName = path.basename(runDir);
  let text: string;
  try {
    text = await fs.readFile(path.join(runDir, 'run.json'), 'utf8');
  } catch {
    return { id: folderName, runDir, config: {}, status: 'unknown', problem: 'run.json is missing' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { id: folderName, runDir, config: {}, status: 'unknown', problem: 'run.json is not valid JSON' };
  }
  if (!isRecord(parsed)) {
    return { id: folderName, runDir, config: {}, status: 'unknown', problem: 'run.json is not a JSON object' };
  }
  return {
    id: typeof parsed.id === 'string' && parsed.id !== '' ? parsed.id : folderName,
    runDir,
    config: isRecord(parsed.config) ? parsed.config : {},
    status: observedStatus(parsed),
    bestTestAccuracy: typeof parsed.bestTestAccuracy === 'number' ? parsed.bestTestAccuracy : undefined,
    epochsDone: typeof parsed.epochsDone === 'number' ? parsed.epochsDone : undefined,
    error: typeof parsed.error === 'string' ? parsed.error : undefined,
    createdAt: typeof parsed.createdAt === 'string' ? parsed.createdAt : undefined,
    warnings: Array.isArray(parsed.warnings) ? parsed.warnings.filter((w): w is string => typeof w === 'string') : undefined,
    kind: typeof parsed.kind === 'string' ? parsed.kind : undefined,
  };
}

/** The status as a reader should see it (`interrupted` for a running run whose process is gone), as the engine's RunStore reports it. */
function observedStatus(record: Record<string, unknown>): string {
  return observedRunStatus(typeof record.status === 'string' ? record.status : 'unknown', record.pid, record.host);
}

function isEvaluationResult(value: unknown): value is EvaluationResult {
  return isRecord(value) && value.format === 'ood-lens-evaluation' && Array.isArray(value.results) && isRecord(value.checkpoint);
}

/** Reads one evaluation file; undefined when it is missing or not an evaluation of this format. */
export async function readEvaluationFile(file: string): Promise<EvaluationFile | undefined> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    return isEvaluationResult(parsed) ? { file, result: parsed } : undefined;
  } catch {
    return undefined;
  }
}

/** Every evaluation of a run (files are written whole, atomically), oldest first. */
export async function listEvaluations(runDir: string): Promise<EvaluationFile[]> {
  let names: string[];
  try {
    names = (await fs.readdir(path.join(runDir, 'evaluations'))).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const read = await Promise.all(names.map((name) => readEvaluationFile(path.join(runDir, 'evaluations', name))));
  return read.filter((entry): entry is EvaluationFile => entry !== undefined).sort((a, b) => a.result.createdAt.localeCompare(b.result.createdAt));
}

/**
 * Paths of the run folders under `runsRoot`, by folder name, last first (run ids start with a time
 * stamp). Folders whose name starts with a dot are not runs (`.sweeps/` holds the tau sweeps).
 */
export async function listRunDirs(runsRoot: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(runsRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => path.join(runsRoot, entry.name))
    .sort()
    .reverse();
}

/** Every run folder under `runsRoot` with its run.json read, newest first, in the engine's order (runOrderKey). */
export async function listRunFolders(runsRoot: string): Promise<RunFolderSummary[]> {
  const summaries = await Promise.all((await listRunDirs(runsRoot)).map(readRunSummary));
  const key = (summary: RunFolderSummary) => runOrderKey(summary, path.basename(summary.runDir));
  return summaries.sort((a, b) => key(b).localeCompare(key(a)));
}

/** Complete checkpoint folders `checkpoints/epoch-<n>/` (holding model.json), in epoch order, by the engine's rule. */
export function listCheckpoints(runDir: string): Promise<CheckpointFolder[]> {
  return listCheckpointFoldersAsync(runDir);
}

/** A run's epochs, by the engine's own parser (core/runs/history.ts): a torn last line is skipped, and the epochs before a damaged line are kept. */
export async function readHistory(runDir: string): Promise<EpochStats[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(runDir, HISTORY_FILE), 'utf8');
  } catch {
    return [];
  }
  return parseHistory(text, path.join(runDir, HISTORY_FILE)).epochs;
}

/**
 * Marks a run `cancelled` after its training process had to be killed (SIGKILL) because it did
 * not stop on SIGTERM. Only a run that still says `running` and was written by that process (or
 * names none) is changed, and run.json is replaced whole (temporary name, then rename), as the
 * engine writes it. Returns whether the run was marked.
 */
export async function markRunCancelledAfterKill(runDir: string, pid: number | undefined, reason: string): Promise<boolean> {
  const file = path.join(runDir, 'run.json');
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    if (!isRecord(parsed)) return false;
    record = parsed;
  } catch {
    return false;
  }
  if (record.status !== 'running') return false;
  if (pid !== undefined && typeof record.pid === 'number' && record.pid !== pid) return false;
  const warnings = Array.isArray(record.warnings) ? record.warnings : [];
  const updated = { ...record, status: 'cancelled', updatedAt: new Date().toISOString(), warnings: [...warnings, reason] };
  const temporary = `${file}.tmp-${process.pid}`;
  await fs.writeFile(temporary, JSON.stringify(updated, null, 2) + '\n');
  await fs.rename(temporary, file);
  return true;
}
