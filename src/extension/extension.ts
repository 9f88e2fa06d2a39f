/**
 * Entry point of the OOD Lens extension. Activation wires the Runs tree, the run store watcher,
 * the job runner, the dashboard and evaluation panels (and their serializers) and the commands;
 * everything created here is disposed through `context.subscriptions`. No ML runs in this
 * process: the engine runs as a child process (`node dist/cli.js ... --events jsonl`).
 */
import * as vscode from 'vscode';
import type { OodLensTestApi } from './api';
import { DASHBOARD_VIEW_TYPE, EVALUATION_VIEW_TYPE, RUNS_VIEW_ID } from './commandIds';
import { registerCommands } from './commands';
import { DashboardPanelSerializer, DashboardPanels } from './dashboardPanels';
import { EvaluationPanelSerializer, EvaluationPanels } from './evaluationPanels';
import { JobRunner } from './jobRunner';
import { METRICS_VIEW_ID, MetricsViewProvider } from './metricsView';
import { RunStoreWatcher } from './runStoreWatcher';
import { RunsTreeProvider } from './runsTree';

export function activate(context: vscode.ExtensionContext): OodLensTestApi {
  const runsTree = new RunsTreeProvider();
  const runStoreWatcher = new RunStoreWatcher();
  const dashboards = new DashboardPanels(context.extensionUri);
  const evaluations = new EvaluationPanels(context.extensionUri);
  const runner = new JobRunner(context.extensionPath);
  const metrics = new MetricsViewProvider(context.extensionUri);
  const runsChangedEmitter = new vscode.EventEmitter<void>();
  const runsView = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: runsTree, showCollapseAll: true });

  context.subscriptions.push(
    runsTree,
    runStoreWatcher,
    dashboards,
    evaluations,
    runner,
    runsChangedEmitter,
    metrics,
    runsView,
    vscode.window.registerWebviewViewProvider(METRICS_VIEW_ID, metrics),
    runsView.onDidChangeSelection((change) => metrics.select(change.selection[0])),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, new DashboardPanelSerializer(dashboards)),
    vscode.window.registerWebviewPanelSerializer(EVALUATION_VIEW_TYPE, new EvaluationPanelSerializer(evaluations)),
    runStoreWatcher.onDidChange(() => {
      dashboards.refreshAll();
      evaluations.refreshAll();
      // The tree redraws only the rows whose data changed (none for most watcher events).
      void runsTree.reload().then(
        (runs) => {
          metrics.refresh(runs);
          runsChangedEmitter.fire();
        },
        () => runsChangedEmitter.fire(),
      );
    }),
    // A job's end is a sure sign the store changed, even where a file watcher missed it.
    runner.onDidFinishJob(() => runStoreWatcher.fireSoon()),
    runner.onDidReceiveEvent(({ event }) => {
      if (event.type === 'epoch' || event.type === 'checkpoint' || event.type === 'evaluation') runStoreWatcher.fireSoon();
    }),
    ...registerCommands({ runsTree, dashboards, evaluations, runner, cacheFolder: context.globalStorageUri.fsPath, extensionPath: context.extensionPath }),
  );

  return {
    runsTree,
    onDidChangeRuns: runsChangedEmitter.event,
    onDidRenderChart: dashboards.onDidRenderChart,
    onDidRenderHistograms: evaluations.onDidRenderHistograms,
    onDidRenderMetrics: metrics.onDidRender,
    onDidReceiveJobEvent: runner.onDidReceiveEvent,
    onDidFinishJob: runner.onDidFinishJob,
    jobs: () => runner.jobs(),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
