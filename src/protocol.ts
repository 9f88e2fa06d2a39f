/**
 * The one protocol of OOD Lens. Three unions, each discriminated by `type`:
 *  - WorkerEvent: one JSON object per line on the stdout of `ood-lens ... --events jsonl`;
 *  - ExtensionToWebview: extension -> webview panel;
 *  - WebviewToExtension: webview panel -> extension.
 * Both sides import this file; no other file spells a message kind as a string literal.
 */

import type { EvaluationResult } from './core/evaluate/results';

/** Bumped when a WorkerEvent changes shape; every event carries it as `v`. */
export const WORKER_PROTOCOL_VERSION = 1;

// The history.jsonl record is the run store's format (core/runs/history.ts); the `epoch` event carries it.
import type { EpochStats } from './core/runs/history';
export type { EpochStats };
// A tau sweep's states are its record's (core/sweep/sweepRecord.ts); the `sweep` event and the sweep panel carry them.
import type { SweepPointStatus, SweepStatus } from './core/sweep/sweepStatus';
export type { SweepPointStatus, SweepStatus };

export type JobKind = 'train' | 'evaluate' | 'sweep';

export type WorkerEvent =
  | { v: number; type: 'started'; job: JobKind; runId: string; runDir: string; backend: string; backendReason: string; totalEpochs?: number; stepsPerEpoch?: number }
  | { v: number; type: 'progress'; job: JobKind; runId: string; epoch?: number; step: number; totalSteps: number; loss?: number; imagesPerSecond?: number; etaSeconds?: number; message?: string }
  | { v: number; type: 'epoch'; runId: string; stats: EpochStats }
  | { v: number; type: 'checkpoint'; runId: string; epoch: number; path: string }
  | { v: number; type: 'warning'; runId: string; code: string; message: string }
  | { v: number; type: 'evaluation'; runId: string; checkpoint: string; evaluationId: string; path: string }
  /** A tau sweep's record (`sweepFile`) changed: the sweep's status, and the tau that changed (`ood-lens sweep`). */
  | { v: number; type: 'sweep'; sweepId: string; sweepFile: string; status: SweepStatus; taus: number[]; point?: { index: number; tau: number; status: SweepPointStatus; runId?: string } }
  | { v: number; type: 'finished'; job: JobKind; runId: string; status: 'done' | 'cancelled'; summary?: Record<string, number | string> }
  | { v: number; type: 'error'; job: JobKind; runId?: string; message: string; userError: boolean };

export type WorkerEventType = WorkerEvent['type'];

/** Parses one stdout line; returns undefined for lines that are not events of this protocol. */
export function parseWorkerEvent(line: string): WorkerEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const obj = JSON.parse(trimmed) as { v?: unknown; type?: unknown };
    if (typeof obj.v !== 'number' || typeof obj.type !== 'string') return undefined;
    return obj as WorkerEvent;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Extension <-> webview. The webview posts `ready` once it can draw; the extension answers with
// the whole state (`dashboardState`), and later with whole states again when the run changes.

/** One line of the logit-norm chart: a label and one value per epoch (null where it is missing). */
export interface ChartSeries {
  label: string;
  /** A colour role the webview maps to a VS Code theme variable, never a literal colour. */
  colorRole: 'train' | 'test' | 'ood' | 'accuracy' | 'loss' | 'lr';
  values: Array<number | null>;
}

/** Everything the dashboard panel shows; sent whole, so the webview keeps no state of its own. */
export interface DashboardState {
  /** Run id, or undefined for the built-in sample shown before any run exists. */
  runId?: string;
  title: string;
  /** Says where the numbers come from ("history.jsonl of run x", "sample data, not a run"). */
  source: string;
  isSample: boolean;
  status?: string;
  /** Short key/value facts about the run (dataset, architecture, loss, tau, ...). */
  facts: Array<{ key: string; value: string }>;
  epochs: number[];
  logitNorm: ChartSeries[];
  /** Training loss per epoch. */
  loss: ChartSeries[];
  /** Train and test accuracy per epoch, as fractions in [0, 1]. */
  accuracy: ChartSeries[];
  learningRate: ChartSeries[];
}

/** Everything the evaluation panel shows: one evaluation file as the engine wrote it, and where it is. */
export interface EvaluationPanelState {
  title: string;
  /** Says where the numbers come from (the file's path). */
  source: string;
  /** The evaluation file itself: the panel draws its histograms, tables and reliability bins. */
  evaluation: EvaluationResult;
}

/** What an evaluation panel stores with `setState`: its file, read again after a reload. */
export interface EvaluationViewState {
  evaluationFile: string;
}

/** What a panel stores with `setState` so its serializer can read the same run from disk again. */
export interface DashboardViewState {
  /** Absolute path of the run folder, or undefined for the sample. */
  runDir?: string;
}

/** The sidebar's Metrics view: the selected checkpoint's latest evaluation, or a hint when there is none. */
export interface MetricsViewState {
  title: string;
  /** What to do to see numbers here, when `evaluation` is missing. */
  hint?: string;
  evaluation?: EvaluationResult;
  /** The row (index into `evaluation.results`) whose histogram is shown first. */
  selectedRow: number;
}

/**
 * One training batch as the job runner saw it last (the CLI's `progress` event), forwarded to the
 * open dashboard of the run while its job runs in this window; null once the job ended.
 */
export interface BatchProgress {
  epoch: number;
  totalEpochs?: number;
  step: number;
  totalSteps: number;
  loss?: number;
  imagesPerSecond?: number;
  etaSeconds?: number;
}

/** One metric of the compare table, with which way is better (FPR95 and ECE: lower). */
export interface CompareMetric {
  label: string;
  better: 'lower' | 'higher';
}

/** One "A / B (/ C ...)" cell: a value per compared run (null where a run lacks it), fractions. */
export interface CompareCell {
  values: Array<number | null>;
  /** Indices of the runs holding the better value; empty when fewer than two have one or all tie. */
  best: number[];
}

/** A compared run: the letter it is shown under and the evaluation its numbers come from. */
export interface CompareRunColumn {
  letter: string;
  runId: string;
  runDir: string;
  /** "logitnorm tau=0.04 · mlp · mnist", from the evaluation's copy of the training config. */
  description: string;
  checkpointEpoch: number;
  evaluationFile: string;
}

/** The compare panel: runs side by side as the paper prints them ("A / B", the better marked). */
export interface CompareState {
  title: string;
  source: string;
  runs: CompareRunColumn[];
  metrics: CompareMetric[];
  /** One row per scorer x OOD set that any run has: a cell per metric. */
  rows: Array<{ scorer: string; oodSet: string; cells: CompareCell[] }>;
  /** ID accuracy, ECE, ECE after temperature scaling: one cell each. */
  summary: Array<{ label: string; better: 'lower' | 'higher'; cell: CompareCell }>;
}

/** What a compare panel stores with `setState`: the run folders, read again after a reload. */
export interface CompareViewState {
  runDirs: string[];
}

/** One tau of a sweep: its run, where it is, and its averages once its evaluation landed. */
export interface SweepPoint {
  tau: number;
  status: SweepPointStatus;
  runId?: string;
  /** Averages over the evaluated OOD sets for the sweep's scorer (the engine's report), fractions. */
  averageFpr95: number | null;
  averageAuroc: number | null;
  idAccuracy: number | null;
  error?: string;
}

/** The sweep panel (the paper's Figure 5): average FPR95 against tau, filling in as runs land. */
export interface SweepState {
  title: string;
  source: string;
  status: 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';
  scorer: string;
  oodSets: string[];
  points: SweepPoint[];
  /** Whether this window drives the sweep now (then the panel offers Cancel). */
  cancellable: boolean;
}

/** What a sweep panel stores with `setState`: the sweep's record file under the runs folder. */
export interface SweepViewState {
  sweepFile: string;
}

/** What a webview keeps with `setState`: one of the panels' view states. */
export type PanelViewState = DashboardViewState | EvaluationViewState | CompareViewState | SweepViewState;

export type ExtensionToWebview =
  | { type: 'dashboardState'; state: DashboardState; viewState: DashboardViewState }
  | { type: 'batchProgress'; progress: BatchProgress | null }
  | { type: 'evaluationState'; state: EvaluationPanelState; viewState: EvaluationViewState }
  | { type: 'metricsState'; state: MetricsViewState }
  | { type: 'compareState'; state: CompareState; viewState: CompareViewState }
  | { type: 'sweepState'; state: SweepState; viewState: SweepViewState }
  | { type: 'error'; message: string };

/**
 * What each webview sends back, one union per panel kind, so a panel handles its own messages
 * only. `ready` is the handshake every webview sends once (answered by the panel base class).
 * The `*Rendered` reports are render probes: a webview computes and sends them only when the
 * extension runs under its tests (ExtensionMode.Test, see webviewHtml.ts), never for a user.
 */
export type ReadyMessage = { type: 'ready' };

export type DashboardToExtension =
  | ReadyMessage
  /** Probe: the logit-norm chart drew (painted pixels, epochs on the chart). */
  | { type: 'chartRendered'; paintedPixels: number; epochCount: number }
  | { type: 'openRunFolder' };

export type EvaluationToExtension =
  | ReadyMessage
  /** Probe: the evaluation panel drew its histograms: how many canvases, and how many of them have pixels. */
  | { type: 'histogramsRendered'; canvasCount: number; paintedCanvasCount: number }
  | { type: 'openRunFolder' };

export type MetricsToExtension =
  | ReadyMessage
  /** Probe: the Metrics view drew its table (rows) and the selected row's histogram (painted pixels). */
  | { type: 'metricsRendered'; rowCount: number; paintedPixels: number };

export type CompareToExtension =
  | ReadyMessage
  /** Probe: the compare panel drew its table: rows (scorer x OOD set and summary), and how many values are marked better. */
  | { type: 'compareRendered'; rowCount: number; markedCount: number };

export type SweepToExtension =
  | ReadyMessage
  /** Probe: the sweep panel drew its chart: painted pixels and how many taus have a point. */
  | { type: 'sweepRendered'; paintedPixels: number; pointCount: number }
  | { type: 'cancelSweep' };

/** Anything a webview may send (the webview bundle is one script for every panel kind). */
export type WebviewToExtension = DashboardToExtension | EvaluationToExtension | MetricsToExtension | CompareToExtension | SweepToExtension;

export type ExtensionToWebviewType = ExtensionToWebview['type'];
export type WebviewToExtensionType = WebviewToExtension['type'];
