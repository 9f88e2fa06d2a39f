/**
 * A run's evaluation files (evaluations/<id>.json), read by one rule without tfjs: the report,
 * the CLI, the bench and the extension host all read them through here. A file is an evaluation
 * when it parses and carries the format marker, a results list and its checkpoint; anything else
 * in the folder is skipped (and said, where the caller gives a log). Listed oldest first by
 * createdAt, then by name. Files are written whole (atomically) and never rewritten.
 */
import { promises as fsPromises, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { EVALUATIONS_DIR } from '../runs/runStore';
import type { EvaluationResult } from './results';

/** One `<run>/evaluations/<id>.json` and what it holds. */
export interface EvaluationFile {
  file: string;
  result: EvaluationResult;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isEvaluationResult(value: unknown): value is EvaluationResult {
  return isObject(value) && value.format === 'ood-lens-evaluation' && Array.isArray(value.results) && isObject(value.checkpoint);
}

/** An evaluation file's text -> the file, or why it is not one. */
export function parseEvaluationFile(text: string, file: string): EvaluationFile | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problem: `${path.basename(file)} is not valid JSON (${(error as Error).message})` };
  }
  return isEvaluationResult(parsed) ? { file, result: parsed } : { problem: `${path.basename(file)} is not an OOD Lens evaluation (format "ood-lens-evaluation")` };
}

function evaluationNames(names: string[]): string[] {
  return names.filter((name) => name.endsWith('.json'));
}

/** The order evaluations are listed in: oldest first by createdAt, then by file name. */
export function oldestFirst(files: EvaluationFile[]): EvaluationFile[] {
  return files.sort((a, b) => String(a.result.createdAt).localeCompare(String(b.result.createdAt)) || a.file.localeCompare(b.file));
}

/** One evaluation file; undefined when it is missing or not an evaluation. */
export async function readEvaluationFile(file: string, log?: (m: string) => void): Promise<EvaluationFile | undefined> {
  let text: string;
  try {
    text = await fsPromises.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const read = parseEvaluationFile(text, file);
  if ('problem' in read) {
    log?.(`skipping ${read.problem}`);
    return undefined;
  }
  return read;
}

/** The paths of a run's evaluation files (none when it has no evaluations/ folder). */
export async function evaluationFilePaths(runDir: string): Promise<string[]> {
  const folder = path.join(runDir, EVALUATIONS_DIR);
  try {
    return evaluationNames(await fsPromises.readdir(folder)).map((name) => path.join(folder, name));
  } catch {
    return [];
  }
}

/** Every evaluation of a run, oldest first, without blocking the event loop (the extension host). */
export async function listEvaluationFiles(runDir: string, log?: (m: string) => void): Promise<EvaluationFile[]> {
  const read = await Promise.all((await evaluationFilePaths(runDir)).map((file) => readEvaluationFile(file, log)));
  return oldestFirst(read.filter((entry): entry is EvaluationFile => entry !== undefined));
}

/** The same, synchronously (the engine, the CLI, the report). */
export function listEvaluationFilesSync(runDir: string, log?: (m: string) => void): EvaluationFile[] {
  const folder = path.join(runDir, EVALUATIONS_DIR);
  let names: string[];
  try {
    names = evaluationNames(readdirSync(folder));
  } catch {
    return [];
  }
  const found: EvaluationFile[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = readFileSync(path.join(folder, name), 'utf8');
    } catch {
      continue;
    }
    const read = parseEvaluationFile(text, path.join(folder, name));
    if ('problem' in read) log?.(`skipping ${read.problem}`);
    else found.push(read);
  }
  return oldestFirst(found);
}

/** What a run's evaluations hold, oldest first. */
export function readEvaluations(run: { dir: string }, log?: (m: string) => void): EvaluationResult[] {
  return listEvaluationFilesSync(run.dir, log).map((entry) => entry.result);
}
