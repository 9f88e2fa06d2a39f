/**
 * What `activate` returns: a small window into the extension for its own end-to-end tests
 * (`vscode.extensions.getExtension(...).exports`). Not a public API for other extensions.
 */
import type * as vscode from 'vscode';
import type { CompareRenderedReport } from './comparePanels';
import type { ChartRenderedReport, ProgressPostedReport } from './dashboardPanels';
import type { HistogramsRenderedReport } from './evaluationPanels';
import type { JobEvent, JobOutcome } from './jobRunner';
import type { MetricsRenderedReport } from './metricsView';
import type { RunsTreeNode } from './runsTree';
import type { SweepRenderedReport } from './sweepPanels';
import type { JobSummary } from './jobQueue';

export interface OodLensTestApi {
  /** The provider behind the "Runs" view. */
  readonly runsTree: vscode.TreeDataProvider<RunsTreeNode>;
  /** Fires after the run store on disk changed and the tree re-read it (and redrew what changed). */
  readonly onDidChangeRuns: vscode.Event<void>;
  /** Fires when a dashboard webview reports that Chart.js drew its chart. */
  readonly onDidRenderChart: vscode.Event<ChartRenderedReport>;
  /** Fires when an evaluation webview reports that its histograms were drawn. */
  readonly onDidRenderHistograms: vscode.Event<HistogramsRenderedReport>;
  /** Fires when the sidebar's Metrics view drew a selection's table and histogram. */
  readonly onDidRenderMetrics: vscode.Event<MetricsRenderedReport>;
  /** Fires when a compare webview drew its table. */
  readonly onDidRenderCompare: vscode.Event<CompareRenderedReport>;
  /** Fires when a sweep webview drew its chart. */
  readonly onDidRenderSweep: vscode.Event<SweepRenderedReport>;
  /** Fires each time a training batch's progress is posted to a run's dashboard (throttled). */
  readonly onDidPostProgress: vscode.Event<ProgressPostedReport>;
  /** Every worker event of every job, and each job's outcome. */
  readonly onDidReceiveJobEvent: vscode.Event<JobEvent>;
  readonly onDidFinishJob: vscode.Event<JobOutcome>;
  /** The running and queued jobs. */
  jobs(): JobSummary[];
}
