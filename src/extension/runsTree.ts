/**
 * The "Runs" tree of the OOD Lens activity-bar container: one item per run folder under
 * `<workspace folder>/.oodlens/runs/`, its checkpoints below it. Rebuilt from disk whenever the
 * run store watcher says something changed.
 */
import * as vscode from 'vscode';
import { COMMAND_IDS } from './commandIds';
import { listCheckpoints, listRunFolders, runsRootOf, type CheckpointFolder, type RunFolderSummary } from './runFolders';

/** The `contextValue`s the `view/item/context` menus of package.json match. */
export const RUN_CONTEXT_VALUE = 'run';
export const CHECKPOINT_CONTEXT_VALUE = 'checkpoint';

export type RunsTreeNode =
  | { kind: 'run'; summary: RunFolderSummary; workspaceFolderName: string; checkpoints: CheckpointFolder[] }
  | { kind: 'checkpoint'; run: RunFolderSummary; checkpoint: CheckpointFolder };

function statusIcon(status: string): vscode.ThemeIcon {
  switch (status) {
    case 'done':
    case 'finished':
      return new vscode.ThemeIcon('pass');
    case 'running':
      return new vscode.ThemeIcon('sync~spin');
    case 'failed':
    case 'error':
      return new vscode.ThemeIcon('error');
    case 'cancelled':
      return new vscode.ThemeIcon('circle-slash');
    default:
      return new vscode.ThemeIcon('beaker');
  }
}

function runDescription(summary: RunFolderSummary): string {
  if (summary.problem) return summary.problem;
  const { loss, tau, dataset } = summary.config;
  const parts: string[] = [];
  if (typeof dataset === 'string') parts.push(dataset);
  if (typeof loss === 'string') parts.push(typeof tau === 'number' && loss.toLowerCase().includes('logitnorm') ? `${loss} tau=${tau}` : loss);
  parts.push(summary.status);
  return parts.join(' · ');
}

function runTooltip(summary: RunFolderSummary): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString(`**${summary.id}** (${summary.status})\n\n`);
  tooltip.appendCodeblock(JSON.stringify(summary.config, null, 2), 'json');
  tooltip.appendMarkdown(`\n${summary.runDir}`);
  return tooltip;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<RunsTreeNode | undefined>();
  readonly onDidChangeTreeData: vscode.Event<RunsTreeNode | undefined> = this.changeEmitter.event;

  /** Re-read everything from disk on the next `getChildren`. */
  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  /** Every run folder of every workspace folder, read from disk now. */
  async listRuns(): Promise<Array<Extract<RunsTreeNode, { kind: 'run' }>>> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const perFolder = await Promise.all(
      folders.map(async (folder) => {
        const summaries = await listRunFolders(runsRootOf(folder.uri.fsPath));
        return Promise.all(
          summaries.map(async (summary) => ({
            kind: 'run' as const,
            summary,
            workspaceFolderName: folder.name,
            checkpoints: await listCheckpoints(summary.runDir),
          })),
        );
      }),
    );
    return perFolder.flat();
  }

  async getChildren(node?: RunsTreeNode): Promise<RunsTreeNode[]> {
    if (!node) return this.listRuns();
    if (node.kind === 'run') return node.checkpoints.map((checkpoint) => ({ kind: 'checkpoint' as const, run: node.summary, checkpoint }));
    return [];
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'run': {
        const { summary } = node;
        const item = new vscode.TreeItem(
          summary.id,
          node.checkpoints.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
        );
        item.id = `run:${summary.runDir}`;
        item.description = (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? `${runDescription(summary)} · ${node.workspaceFolderName}` : runDescription(summary);
        item.tooltip = runTooltip(summary);
        item.iconPath = statusIcon(summary.status);
        item.contextValue = RUN_CONTEXT_VALUE;
        item.resourceUri = vscode.Uri.file(summary.runDir);
        item.command = { command: COMMAND_IDS.openDashboard, title: 'Open Run Dashboard', arguments: [node] };
        return item;
      }
      case 'checkpoint': {
        const item = new vscode.TreeItem(`epoch ${node.checkpoint.epoch}`, vscode.TreeItemCollapsibleState.None);
        item.id = `checkpoint:${node.checkpoint.dir}`;
        item.tooltip = node.checkpoint.dir;
        item.iconPath = new vscode.ThemeIcon('save');
        item.contextValue = CHECKPOINT_CONTEXT_VALUE;
        return item;
      }
      default: {
        const unexpected: never = node;
        throw new Error(`unknown runs tree node ${JSON.stringify(unexpected)}`);
      }
    }
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
