/**
 * Entry point of the OOD Lens extension. Activation wires the Runs tree, the run store watcher,
 * the job runner, the dashboard and evaluation panels (and their serializers) and the commands;
 * everything created here is disposed through `context.subscriptions`. No ML runs in this
 * process: the engine runs as a child process (`node dist/cli.js ... --events jsonl`).
 */
import * as vscode from 'vscode';
import type { OodLensTestApi } from './api';
import { COMPARE_VIEW_TYPE, DASHBOARD_VIEW_TYPE, EVALUATION_VIEW_TYPE, RUNS_VIEW_ID, SWEEP_VIEW_TYPE } from './commandIds';
import { registerCommands } from './commands';
import { ComparePanels } from './comparePanels';
import { DashboardPanels } from './dashboardPanels';
import { EvaluationPanels } from './evaluationPanels';
import { JobRunner } from './jobRunner';
import { NativeEngine } from './nativeEngine';
import { offerNativeSetup } from './commands/nativeSetupCommand';
import type { CommandContext } from './commands/commandHelpers';
import { METRICS_VIEW_ID, MetricsViewProvider } from './metricsView';
import { RunStoreCache } from './runStoreCache';
import { RunStoreWatcher } from './runStoreWatcher';
import { RunsTreeProvider } from './runsTree';
import { SweepDriver } from './sweepDriver';
import { SweepPanels } from './sweepPanels';
import { PanelSerializer } from './ownedWebviewPanel';
import { setRenderProbes } from './webviewHtml';

export function activate(context: vscode.ExtensionContext): OodLensTestApi {
  // Webviews report what they drew only to the extension's own tests.
  setRenderProbes(context.extensionMode === vscode.ExtensionMode.Test);
  // The run folders as last read, shared by the tree, the panels, the Metrics view and the quick picks.
  const runStore = new RunStoreCache();
  const runsTree = new RunsTreeProvider(runStore);
  const runStoreWatcher = new RunStoreWatcher();
  const dashboards = new DashboardPanels(context.extensionUri, runStore);
  const evaluations = new EvaluationPanels(context.extensionUri, runStore);
  // Jobs get the native engine (tfjs-node in the global storage) once it is set up.
  const native = new NativeEngine(context.extensionPath, context.globalStorageUri.fsPath, context.extension.packageJSON as { optionalDependencies?: Record<string, string> });
  const runner = new JobRunner(context.extensionPath, (base) => native.jobEnvironment(base));
  const compares = new ComparePanels(context.extensionUri, runStore);
  let sweeps: SweepPanels | undefined;
  const sweepDriver = new SweepDriver(runner, (sweepFile) => sweeps?.refresh(sweepFile));
  sweeps = new SweepPanels(context.extensionUri, runStore, sweepDriver);
  const metrics = new MetricsViewProvider(context.extensionUri, runStore);
  const runsChangedEmitter = new vscode.EventEmitter<void>();
  // canSelectMany: select runs, right-click -> Compare Runs.
  const runsView = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: runsTree, showCollapseAll: true, canSelectMany: true });
  /** The run folder each running training job of this window writes, for its dashboard's progress bar. */
  const trainingRuns = new Map<number, { runDir: string; totalEpochs?: number }>();
  /** The run folder each running job of this window uses now (its latest `started` event). */
  const jobRunDirs = new Map<number, string>();
  const commandContext: CommandContext = {
    runStore,
    runsTree,
    dashboards,
    evaluations,
    compares,
    sweeps,
    sweepDriver,
    runner,
    cacheFolder: context.globalStorageUri.fsPath,
    extensionPath: context.extensionPath,
    native,
    state: context.globalState,
  };

  context.subscriptions.push(
    runsTree,
    runStoreWatcher,
    dashboards,
    evaluations,
    compares,
    sweeps,
    runner,
    runsChangedEmitter,
    metrics,
    runsView,
    vscode.window.registerWebviewViewProvider(METRICS_VIEW_ID, metrics),
    runsView.onDidChangeSelection((change) => metrics.select(change.selection[0])),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, new PanelSerializer(dashboards)),
    vscode.window.registerWebviewPanelSerializer(EVALUATION_VIEW_TYPE, new PanelSerializer(evaluations)),
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, new PanelSerializer(compares)),
    vscode.window.registerWebviewPanelSerializer(SWEEP_VIEW_TYPE, new PanelSerializer(sweeps)),
    runStoreWatcher.onDidChange((changed) => {
      // Only the run folders these paths are in are read again; then the tree redraws the rows
      // whose data changed (none for most watcher events) and each panel whose runs changed.
      runStore.invalidate(changed);
      const redrawPanels = () => {
        dashboards.refreshAll();
        evaluations.refreshAll();
        compares.refreshAll();
        sweeps?.refreshAll();
      };
      void runsTree.reload().then(
        (runs) => {
          redrawPanels();
          metrics.refresh(runs);
          runsChangedEmitter.fire();
        },
        () => {
          redrawPanels();
          runsChangedEmitter.fire();
        },
      );
    }),
    // A job's end is a sure sign its run changed, even where a file watcher missed it.
    runner.onDidFinishJob((outcome) => {
      runStoreWatcher.fireSoon([outcome.runDir, jobRunDirs.get(outcome.id), ...outcome.checkpoints, ...outcome.evaluationFiles].filter((changed): changed is string => changed !== undefined));
      jobRunDirs.delete(outcome.id);
      const training = trainingRuns.get(outcome.id);
      trainingRuns.delete(outcome.id);
      if (training) dashboards.updateProgress(training.runDir, null);
    }),
    runner.onDidReceiveEvent((jobEvent) => {
      const { jobId, event } = jobEvent;
      if (event.type === 'started') jobRunDirs.set(jobId, event.runDir);
      const runDir = jobRunDirs.get(jobId);
      // What a job wrote is known to the cache at once (a sweep's panel reads the evaluation its
      // next event names); the redraw waits for the watcher's settled event.
      const written = event.type === 'checkpoint' || event.type === 'evaluation' ? [event.path] : (event.type === 'started' || event.type === 'epoch') && runDir ? [runDir] : undefined;
      if (written) {
        runStore.invalidate(written);
        runStoreWatcher.fireSoon(written);
      }
      sweepDriver.receive(jobEvent);
      // A job that 'auto' put on wasm: offer the native engine (once a session).
      if (event.type === 'started') {
        offerNativeSetup(commandContext, event, runner.requestedBackend(jobId)).catch((error: unknown) => runner.output.appendLine(`[native] the offer failed: ${String(error)}`));
      }
      // Per-batch progress of a training run (a train job's, or a sweep's current tau's) goes to its run's open dashboard (throttled there).
      if (event.type === 'started' && event.job === 'train') trainingRuns.set(jobId, { runDir: event.runDir, totalEpochs: event.totalEpochs });
      const training = trainingRuns.get(jobId);
      if (event.type === 'finished' && event.job === 'train' && training) {
        trainingRuns.delete(jobId);
        dashboards.updateProgress(training.runDir, null);
      }
      if (event.type === 'progress' && event.job === 'train' && training) {
        dashboards.updateProgress(training.runDir, {
          epoch: event.epoch ?? 1,
          totalEpochs: training.totalEpochs,
          step: event.step,
          totalSteps: event.totalSteps,
          loss: event.loss,
          imagesPerSecond: event.imagesPerSecond,
          etaSeconds: event.etaSeconds,
        });
      }
    }),
    ...registerCommands(commandContext),
  );

  return {
    runsTree,
    onDidChangeRuns: runsChangedEmitter.event,
    onDidRenderChart: dashboards.onDidRenderChart,
    onDidRenderHistograms: evaluations.onDidRenderHistograms,
    onDidRenderMetrics: metrics.onDidRender,
    onDidRenderCompare: compares.onDidRender,
    onDidRenderSweep: sweeps.onDidRender,
    onDidPostProgress: dashboards.onDidPostProgress,
    onDidReceiveJobEvent: runner.onDidReceiveEvent,
    onDidFinishJob: runner.onDidFinishJob,
    jobs: () => runner.jobs(),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
