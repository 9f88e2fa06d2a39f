/**
 * Entry point of the OOD Lens extension. Activation wires the Runs tree, the run store watcher,
 * the dashboard panels (and their serializer) and the commands; everything created here is
 * disposed through `context.subscriptions`. No ML runs in this process: the engine will run as
 * a child process (`node dist/cli.js ... --events jsonl`).
 */
import * as vscode from 'vscode';
import type { OodLensTestApi } from './api';
import { DASHBOARD_VIEW_TYPE, RUNS_VIEW_ID } from './commandIds';
import { registerCommands } from './commands';
import { DashboardPanelSerializer, DashboardPanels } from './dashboardPanels';
import { RunStoreWatcher } from './runStoreWatcher';
import { RunsTreeProvider } from './runsTree';

export function activate(context: vscode.ExtensionContext): OodLensTestApi {
  const runsTree = new RunsTreeProvider();
  const runStoreWatcher = new RunStoreWatcher();
  const dashboards = new DashboardPanels(context.extensionUri);
  const runsChangedEmitter = new vscode.EventEmitter<void>();

  context.subscriptions.push(
    runsTree,
    runStoreWatcher,
    dashboards,
    runsChangedEmitter,
    vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: runsTree, showCollapseAll: true }),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, new DashboardPanelSerializer(dashboards)),
    runStoreWatcher.onDidChange(() => {
      runsTree.refresh();
      dashboards.refreshAll();
      runsChangedEmitter.fire();
    }),
    ...registerCommands(runsTree, dashboards),
  );

  return { runsTree, onDidChangeRuns: runsChangedEmitter.event, onDidRenderChart: dashboards.onDidRenderChart };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
