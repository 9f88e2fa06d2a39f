/**
 * Registers every contributed command. Most are placeholders until the job runner lands: they
 * say so in an information message instead of failing. Open Run Dashboard, Reveal in Explorer
 * and Refresh already work.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMAND_IDS, type CommandId } from './commandIds';
import type { DashboardPanels } from './dashboardPanels';
import { runsRootOf } from './runFolders';
import type { RunsTreeNode, RunsTreeProvider } from './runsTree';

/** Commands that only announce themselves for now, with their palette titles. */
const PLACEHOLDER_COMMANDS: ReadonlyArray<[CommandId, string]> = [
  [COMMAND_IDS.trainLogitNorm, 'Train with LogitNorm'],
  [COMMAND_IDS.trainCrossEntropy, 'Train with Cross-Entropy'],
  [COMMAND_IDS.train, 'Train...'],
  [COMMAND_IDS.evaluate, 'Evaluate OOD'],
  [COMMAND_IDS.compareRuns, 'Compare Runs'],
  [COMMAND_IDS.cancelJob, 'Cancel Job'],
  [COMMAND_IDS.exportReport, 'Export Report'],
  [COMMAND_IDS.sweepTau, 'Sweep tau'],
  [COMMAND_IDS.deleteRun, 'Delete Run'],
];

export function placeholderMessage(title: string): string {
  return `OOD Lens: "${title}" arrives with the extension features. For now the Runs view lists runs and "Open Run Dashboard" charts their logit norms.`;
}

/** A run folder from whatever a command was invoked with: a tree node, a Uri or a path. */
function runDirOf(argument: unknown): string | undefined {
  if (argument instanceof vscode.Uri) return argument.fsPath;
  if (typeof argument === 'string') return argument;
  if (typeof argument === 'object' && argument !== null && 'kind' in argument) {
    const node = argument as RunsTreeNode;
    if (node.kind === 'run') return node.summary.runDir;
    if (node.kind === 'checkpoint') return node.run.runDir;
  }
  return undefined;
}

async function pickRunDir(runsTree: RunsTreeProvider): Promise<string | undefined | 'cancelled'> {
  const runs = await runsTree.listRuns();
  if (runs.length === 0) return undefined;
  if (runs.length === 1) return runs[0].summary.runDir;
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({ label: run.summary.id, description: run.summary.status, detail: run.summary.runDir, runDir: run.summary.runDir })),
    { title: 'OOD Lens: open the dashboard of which run?' },
  );
  return picked ? picked.runDir : 'cancelled';
}

export function registerCommands(runsTree: RunsTreeProvider, dashboards: DashboardPanels): vscode.Disposable[] {
  const registrations = PLACEHOLDER_COMMANDS.map(([id, title]) =>
    vscode.commands.registerCommand(id, () => {
      // Not awaited: the message resolves only when dismissed, and the command is done now.
      void vscode.window.showInformationMessage(placeholderMessage(title));
    }),
  );
  registrations.push(
    vscode.commands.registerCommand(COMMAND_IDS.openDashboard, async (argument?: unknown) => {
      const runDir = runDirOf(argument) ?? (await pickRunDir(runsTree));
      if (runDir === 'cancelled') return;
      dashboards.show(runDir);
    }),
    vscode.commands.registerCommand(COMMAND_IDS.revealInExplorer, async (argument?: unknown) => {
      const firstFolder = vscode.workspace.workspaceFolders?.[0];
      const target = runDirOf(argument) ?? (firstFolder ? runsRootOf(firstFolder.uri.fsPath) : undefined);
      if (!target) {
        void vscode.window.showInformationMessage('OOD Lens: open a folder first; runs live in <folder>/.oodlens/runs/.');
        return;
      }
      try {
        await vscode.workspace.fs.stat(vscode.Uri.file(target));
      } catch {
        void vscode.window.showInformationMessage(`OOD Lens: ${path.basename(target)} does not exist yet (${target}).`);
        return;
      }
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(target));
    }),
    vscode.commands.registerCommand(COMMAND_IDS.refreshRuns, () => runsTree.refresh()),
  );
  return registrations;
}
