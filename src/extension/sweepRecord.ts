/**
 * A tau sweep on disk and as the sweep panel shows it. The extension drives a sweep (one LogitNorm
 * run per tau, each followed by an evaluation of its last checkpoint) and keeps what it started
 * in `<runs folder>/.sweeps/<sweep-id>.json`, replaced whole at every change (temporary name, then
 * rename), so a reload finds the sweep's runs again and its panel comes back. Pure of `vscode`:
 * the tau list, the record and the panel state are unit-tested under Node. The averages are the
 * engine's report (Table 1's "average" row for the sweep's scorer); nothing here computes a metric.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { buildReport } from '../core/evaluate/report';
import type { EvaluationResult } from '../core/evaluate/results';
import { writeJsonAtomic } from '../core/runs/atomicWrite';
import type { SweepPoint, SweepPointStatus, SweepState } from '../protocol';
import { readEvaluationFile } from './runFolders';
import { PAPER_TAU_SWEEP } from '../core/losses/defaults';

export const DEFAULT_SWEEP_TAUS = PAPER_TAU_SWEEP.join(',');
export const SWEEPS_FOLDER = '.sweeps';
const SWEEP_FORMAT = 'ood-lens-sweep';

/**
 * Parses "0.005, 0.01 0.02": two or more distinct positive numbers, separated by commas or
 * spaces, returned in increasing order. An error names the entry that is wrong.
 */
export function parseTauList(text: string): { taus: number[] } | { error: string } {
  const entries = text.split(/[\s,;]+/).filter((entry) => entry !== '');
  if (entries.length === 0) return { error: 'no tau given: expected numbers > 0 separated by commas, e.g. 0.01,0.04' };
  const taus: number[] = [];
  for (const entry of entries) {
    const value = Number(entry);
    if (!Number.isFinite(value)) return { error: `"${entry}" is not a number: expected numbers > 0 separated by commas, e.g. 0.01,0.04` };
    if (value <= 0) return { error: `tau "${entry}" is not > 0: LogitNorm divides the logits by tau` };
    if (taus.includes(value)) return { error: `tau ${entry} is listed twice` };
    taus.push(value);
  }
  if (taus.length < 2) return { error: `a sweep needs two or more taus; "${text.trim()}" gives one` };
  return { taus: taus.sort((a, b) => a - b) };
}

export interface SweepRecordPoint {
  tau: number;
  status: SweepPointStatus;
  runId?: string;
  runDir?: string;
  evaluationFile?: string;
  error?: string;
}

export interface SweepRecord {
  format: typeof SWEEP_FORMAT;
  version: 1;
  id: string;
  createdAt: string;
  updatedAt: string;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  /** What every run of the sweep shares; tau is each point's own. */
  train: { dataset: string; architecture: string; epochs: number; limit?: number };
  oodSets: string[];
  scorers: string[];
  /** The scorer whose average FPR95 is plotted (MSP, as the paper's Figure 5). */
  scorer: string;
  points: SweepRecordPoint[];
}

export function sweepFileOf(runsRoot: string, sweepId: string): string {
  return path.join(runsRoot, SWEEPS_FOLDER, `${sweepId}.json`);
}

/** "sweep-20261127-031500" from a date, stamped in UTC as the engine stamps run ids. */
export function sweepIdOf(date: Date): string {
  return `sweep-${date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`;
}

export function newSweepRecord(id: string, now: Date, options: Pick<SweepRecord, 'train' | 'oodSets' | 'scorers' | 'scorer'> & { taus: number[] }): SweepRecord {
  return {
    format: SWEEP_FORMAT,
    version: 1,
    id,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    status: 'running',
    train: options.train,
    oodSets: options.oodSets,
    scorers: options.scorers,
    scorer: options.scorer,
    points: options.taus.map((tau) => ({ tau, status: 'queued' })),
  };
}

export function writeSweepRecord(file: string, record: SweepRecord): void {
  writeJsonAtomic(file, { ...record, updatedAt: new Date().toISOString() });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a sweep file; throws an error naming the file when it is missing or not a sweep. */
export async function readSweepRecord(file: string): Promise<SweepRecord> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new Error(`the sweep file ${file} is missing`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`the sweep file ${file} is not valid JSON`);
  }
  if (!isRecord(parsed) || parsed.format !== SWEEP_FORMAT || !Array.isArray(parsed.points)) {
    throw new Error(`${file} is not an OOD Lens sweep file (format "${SWEEP_FORMAT}")`);
  }
  return parsed as unknown as SweepRecord;
}

/** The engine's average over the evaluated OOD sets of one scorer's FPR95 and AUROC (Table 1, "average"). */
export function scorerAverages(result: EvaluationResult, scorer: string): { fpr95: number | null; auroc: number | null } {
  const table1 = buildReport([result], { scorer }).find((table) => table.id === 'table1');
  const average = table1?.rows.find((row) => row.label[0] === 'average');
  return { fpr95: average?.cells[0]?.mean ?? null, auroc: average?.cells[1]?.mean ?? null };
}

/** The sweep panel's state: the record, each landed evaluation read from disk. */
export async function sweepStateOf(file: string, record: SweepRecord, drivenHere: boolean): Promise<SweepState> {
  const points: SweepPoint[] = await Promise.all(
    record.points.map(async (point): Promise<SweepPoint> => {
      const evaluation = point.evaluationFile ? await readEvaluationFile(point.evaluationFile) : undefined;
      const averages = evaluation ? scorerAverages(evaluation.result, record.scorer) : { fpr95: null, auroc: null };
      return {
        tau: point.tau,
        status: point.status,
        runId: point.runId,
        averageFpr95: averages.fpr95,
        averageAuroc: averages.auroc,
        idAccuracy: evaluation ? evaluation.result.idAccuracy : null,
        error: point.error ?? (point.evaluationFile && !evaluation ? `${point.evaluationFile} is missing or not an evaluation` : undefined),
      };
    }),
  );
  const { dataset, architecture, epochs, limit } = record.train;
  return {
    title: `Sweep tau · LogitNorm · ${architecture} on ${dataset}, ${epochs} epoch${epochs === 1 ? '' : 's'}${limit ? `, ${limit} images` : ''}`,
    source: `Average ${record.scorer.toUpperCase()} FPR95 over ${record.oodSets.join(', ')} per tau, from each run's evaluation (sweep ${file})`,
    status: record.status === 'running' && !drivenHere ? 'interrupted' : record.status,
    scorer: record.scorer,
    oodSets: record.oodSets,
    points,
    cancellable: drivenHere && record.status === 'running',
  };
}
