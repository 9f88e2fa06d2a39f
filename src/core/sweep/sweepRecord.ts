/**
 * A tau sweep on disk (the paper's Figure 5): `<runs folder>/.sweeps/<sweep-id>.json`, replaced
 * whole at every change (temporary name, then rename) by the one sweep there is
 * (tauSweep.ts, run by `ood-lens sweep`, which VS Code's "Sweep tau" and the bench drive). It
 * names each tau's run and evaluation, and once a tau is evaluated its ID accuracy and the sweep
 * scorer's FPR95 and AUROC (averaged over the OOD sets, and per set); the best tau is chosen from
 * those. No tfjs: the extension reads it for the sweep panel. The averages are the engine's
 * report (Table 1's "average" row for the scorer); nothing here computes a metric.
 */
import { existsSync, promises as fsPromises } from 'node:fs';
import * as path from 'node:path';
import { buildReport } from '../evaluate/report';
import type { EvaluationResult } from '../evaluate/results';
import { writeJsonAtomic } from '../runs/atomicWrite';
import { PAPER_TAU_SWEEP } from '../losses/defaults';
import type { SweepPointStatus, SweepStatus } from './sweepStatus';

export const DEFAULT_SWEEP_TAUS = PAPER_TAU_SWEEP.join(',');
export const SWEEPS_FOLDER = '.sweeps';
const SWEEP_FORMAT = 'ood-lens-sweep';
/** The scorer a sweep plots and chooses by, as in the paper's Figure 5. */
export const DEFAULT_SWEEP_SCORER = 'msp';
/** `selectOn` when the best tau is chosen on the average over the OOD sets. */
export const AVERAGE = 'average';

export type { SweepPointStatus, SweepStatus };

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

/** FPR95 and AUROC of the sweep's scorer, fractions. */
export interface DetectionPair {
  fpr95: number;
  auroc: number;
}

/** What a tau's evaluation says, for the record and the best tau. */
export interface SweepPointMetrics {
  idAccuracy: number;
  /** The scorer's FPR95 and AUROC averaged over the OOD sets. */
  average: DetectionPair;
  /** The same per OOD set. */
  perOodSet: Record<string, DetectionPair>;
}

export interface SweepRecordPoint {
  tau: number;
  status: SweepPointStatus;
  runId?: string;
  runDir?: string;
  evaluationFile?: string;
  /** Once evaluated. */
  metrics?: SweepPointMetrics;
  error?: string;
}

export interface SweepRecord {
  format: typeof SWEEP_FORMAT;
  version: 1;
  id: string;
  createdAt: string;
  updatedAt: string;
  status: SweepStatus;
  /** What every run of the sweep shares; tau is each point's own. */
  train: { dataset: string; architecture: string; epochs: number; limit?: number };
  oodSets: string[];
  scorers: string[];
  /** The scorer whose FPR95 is plotted and chosen by (MSP, as the paper's Figure 5). */
  scorer: string;
  /** What the best tau is chosen on: the average over the OOD sets, or one OOD set (the paper tunes on Gaussian noise). */
  selectOn?: string;
  /** The tau with the lowest FPR95 on `selectOn`, ties to the higher AUROC there, then the smaller tau; once a tau is evaluated. */
  bestTau?: number;
  points: SweepRecordPoint[];
}

export function sweepFileOf(runsRoot: string, sweepId: string): string {
  return path.join(runsRoot, SWEEPS_FOLDER, `${sweepId}.json`);
}

/** "sweep-20261127-031500" from a date, stamped in UTC as the engine stamps run ids. */
export function sweepIdOf(date: Date): string {
  return `sweep-${date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`;
}

/** A sweep id whose file does not exist yet under `runsRoot` (-2, -3, ... after the stamp when needed). */
export function freeSweepId(runsRoot: string, now: Date): string {
  const base = sweepIdOf(now);
  let id = base;
  for (let suffix = 2; existsSync(sweepFileOf(runsRoot, id)); suffix += 1) id = `${base}-${suffix}`;
  return id;
}

export function newSweepRecord(id: string, now: Date, options: Pick<SweepRecord, 'train' | 'oodSets' | 'scorers' | 'scorer' | 'selectOn'> & { taus: number[] }): SweepRecord {
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
    selectOn: options.selectOn ?? AVERAGE,
    points: options.taus.map((tau) => ({ tau, status: 'queued' })),
  };
}

export function writeSweepRecord(file: string, record: SweepRecord): void {
  writeJsonAtomic(file, { ...record, updatedAt: new Date().toISOString() });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a sweep file; throws an error naming the file when it is missing or not a sweep. */
export async function readSweepRecord(file: string): Promise<SweepRecord> {
  let text: string;
  try {
    text = await fsPromises.readFile(file, 'utf8');
  } catch {
    throw new Error(`the sweep file ${file} is missing`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`the sweep file ${file} is not valid JSON`);
  }
  if (!isObject(parsed) || parsed.format !== SWEEP_FORMAT || !Array.isArray(parsed.points)) {
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

/** A tau's metrics from its evaluation; undefined when the evaluation has no row of the scorer. */
export function sweepPointMetrics(result: EvaluationResult, scorer: string): SweepPointMetrics | undefined {
  const { fpr95, auroc } = scorerAverages(result, scorer);
  if (fpr95 === null || auroc === null) return undefined;
  const perOodSet: Record<string, DetectionPair> = {};
  for (const row of result.results) if (row.scorer === scorer) perOodSet[row.oodSet] = { fpr95: row.fpr95, auroc: row.auroc };
  return { idAccuracy: result.idAccuracy, average: { fpr95, auroc }, perOodSet };
}

/**
 * The best tau of the evaluated points: the lowest FPR95 on `selectOn` (the average, or one OOD
 * set); where several tie (noise separated perfectly at FPR95 0), the higher AUROC there, then the
 * smaller tau. Undefined when no point has metrics on it.
 */
export function bestTauOf(points: readonly SweepRecordPoint[], selectOn: string = AVERAGE): number | undefined {
  const on = (point: SweepRecordPoint) => (selectOn === AVERAGE ? point.metrics?.average : point.metrics?.perOodSet[selectOn]);
  const ranked = points
    .flatMap((point) => {
      const pair = on(point);
      return pair ? [{ tau: point.tau, ...pair }] : [];
    })
    .sort((a, b) => a.fpr95 - b.fpr95 || b.auroc - a.auroc || a.tau - b.tau);
  return ranked[0]?.tau;
}

/**
 * After the sweep's process had to be killed (it could not write this itself): a sweep still
 * `running` becomes `cancelled`, as do its taus that had not ended. Returns whether it changed.
 */
export async function markSweepCancelledAfterKill(file: string, reason: string): Promise<boolean> {
  let record: SweepRecord;
  try {
    record = await readSweepRecord(file);
  } catch {
    return false;
  }
  if (record.status !== 'running') return false;
  record.status = 'cancelled';
  for (const point of record.points) {
    if (point.status === 'queued' || point.status === 'training' || point.status === 'evaluating') {
      if (point.status !== 'queued') point.error ??= reason;
      point.status = 'cancelled';
    }
  }
  writeSweepRecord(file, record);
  return true;
}
