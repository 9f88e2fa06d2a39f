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

/** One epoch's statistics: a line of history.jsonl and the payload of the `epoch` event. */
export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Mean L2 norm of the raw logits: ID train (a sample), ID test, the OOD probe set. */
  logitNormTrain: number;
  logitNormTest: number;
  logitNormOod: number;
  /** Name of the OOD probe set the norm above was measured on. */
  oodProbe: string;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
}

export type JobKind = 'train' | 'evaluate' | 'sweep';

export type WorkerEvent =
  | { v: number; type: 'started'; job: JobKind; runId: string; runDir: string; backend: string; backendReason: string; totalEpochs?: number; stepsPerEpoch?: number }
  | { v: number; type: 'progress'; job: JobKind; runId: string; epoch?: number; step: number; totalSteps: number; loss?: number; imagesPerSecond?: number; etaSeconds?: number; message?: string }
  | { v: number; type: 'epoch'; runId: string; stats: EpochStats }
  | { v: number; type: 'checkpoint'; runId: string; epoch: number; path: string }
  | { v: number; type: 'warning'; runId: string; code: string; message: string }
  | { v: number; type: 'evaluation'; runId: string; checkpoint: string; evaluationId: string; path: string }
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

/** What a webview keeps with `setState`: the one or the other panel's view state. */
export type PanelViewState = DashboardViewState | EvaluationViewState;

export type ExtensionToWebview =
  | { type: 'dashboardState'; state: DashboardState; viewState: DashboardViewState }
  | { type: 'evaluationState'; state: EvaluationPanelState; viewState: EvaluationViewState }
  | { type: 'metricsState'; state: MetricsViewState }
  | { type: 'error'; message: string };

export type WebviewToExtension =
  | { type: 'ready' }
  | { type: 'chartRendered'; paintedPixels: number; epochCount: number }
  /** The evaluation panel drew its histograms: how many canvases, and how many of them have pixels. */
  | { type: 'histogramsRendered'; canvasCount: number; paintedCanvasCount: number }
  /** The Metrics view drew its table (rows) and the selected row's histogram (painted pixels). */
  | { type: 'metricsRendered'; rowCount: number; paintedPixels: number }
  | { type: 'openRunFolder' };

export type ExtensionToWebviewType = ExtensionToWebview['type'];
export type WebviewToExtensionType = WebviewToExtension['type'];
