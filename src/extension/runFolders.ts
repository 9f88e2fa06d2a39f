/**
 * Where the extension finds runs, and the async reads of a run folder the run store cache
 * (runStoreCache.ts) makes: the engine's own readers and rules (core/runs,
 * core/evaluate/evaluationFiles.ts), never a parser of its own, so the extension never loads tfjs
 * and reads every file as the engine does. Every read tolerates a run being written right now: a
 * missing or half-written file is reported, never thrown.
 */
import * as path from 'node:path';
import { listCheckpointFoldersAsync, type CheckpointRef } from '../core/runs/checkpointFolders';
import { HISTORY_FILE, parseHistory, type EpochStats } from '../core/runs/history';
import { readRunFileAsync, runSummaryOf, type RunSummary } from '../core/runs/runRecord';
import { promises as fs } from 'node:fs';

export type { EvaluationFile } from '../core/evaluate/evaluationFiles';

/** Where runs live inside a workspace folder. */
export const RUNS_FOLDER_RELATIVE = path.join('.oodlens', 'runs');

/** What the tree and the dashboard show of one run folder's run.json (core/runs/runRecord.ts). */
export type RunFolderSummary = RunSummary;
export type CheckpointFolder = CheckpointRef;

/** The runs folder of a workspace folder: the setting `oodLens.runsFolder`, relative to the folder or absolute. */
export function runsRootOf(workspaceFolderPath: string, configured: string = RUNS_FOLDER_RELATIVE): string {
  return path.resolve(workspaceFolderPath, configured.trim() === '' ? RUNS_FOLDER_RELATIVE : configured);
}

/** `<runDir>/run.json` by the engine's rules; an unreadable one gives a summary with its problem. */
export async function readRunSummary(runDir: string): Promise<RunFolderSummary> {
  return runSummaryOf(runDir, await readRunFileAsync(runDir));
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
