/**
 * The "Runs" tree of the OOD Lens activity-bar container: runs (icon by status) -> checkpoints
 * (epoch, test accuracy) -> evaluations -> one row per scorer x OOD set with FPR95 and AUROC
 * inline and every metric in the tooltip. Its runs are the run store cache's (runStoreCache.ts),
 * which the quick picks and panels share; when the watcher says something changed, the cache
 * reads again only the runs it touched and the tree redraws only when a row would change. The
 * words come from treeText.ts.
 */
import * as vscode from 'vscode';
import type { ScorerOodResult } from '../core/evaluate/results';
import type { EpochStats } from '../protocol';
import { COMMAND_IDS } from './commandIds';
import type { CheckpointFolder, EvaluationFile, RunFolderSummary } from './runFolders';
import type { ChangedPaths, RunSnapshot, RunStoreCache } from './runStoreCache';
import { runsRootOfFolder } from './settings';
import {
  checkpointDescription,
  checkpointLabel,
  evaluationDescription,
  evaluationLabel,
  resultDescription,
  resultLabel,
  resultTooltipMarkdown,
  runDescription,
  runTooltipMarkdown,
} from './treeText';

/** The `contextValue`s the `view/item/context` menus of package.json match. */
export const RUN_CONTEXT_VALUE = 'run';
export const CHECKPOINT_CONTEXT_VALUE = 'checkpoint';
export const EVALUATION_CONTEXT_VALUE = 'evaluation';
export const RESULT_CONTEXT_VALUE = 'evaluationResult';

export type RunsTreeNode =
  | { kind: 'run'; summary: RunFolderSummary; workspaceFolderName: string; checkpoints: CheckpointFolder[]; history: EpochStats[]; evaluations: EvaluationFile[]; version: number }
  | { kind: 'checkpoint'; run: RunFolderSummary; checkpoint: CheckpointFolder; stats?: EpochStats; evaluations: EvaluationFile[] }
  | { kind: 'evaluation'; run: RunFolderSummary; evaluation: EvaluationFile }
  | { kind: 'result'; run: RunFolderSummary; evaluation: EvaluationFile; row: ScorerOodResult; index: number };

export type RunNode = Extract<RunsTreeNode, { kind: 'run' }>;

/** A run of kind 'imported' (an ONNX model evaluated by `ood-lens evaluate MODEL.onnx`). */
export function isImportedRun(run: RunNode): boolean {
  return run.summary.kind === 'imported';
}

export function statusIcon(status: string): vscode.ThemeIcon {
  switch (status) {
    case 'done':
    case 'finished':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'running':
      return new vscode.ThemeIcon('sync~spin');
    case 'failed':
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'cancelled':
      return new vscode.ThemeIcon('circle-slash');
    case 'interrupted':
      return new vscode.ThemeIcon('debug-disconnect');
    default:
      return new vscode.ThemeIcon('beaker');
  }
}

function runTooltip(summary: RunFolderSummary): vscode.MarkdownString {
  return new vscode.MarkdownString(runTooltipMarkdown(summary));
}

/**
 * What the rows of a run (and of everything under it) show, as one string: two reads of the
 * disk that give the same signature draw the same rows, so the tree is not told to redraw.
 */
export function runSignature(run: RunNode): string {
  return JSON.stringify({
    summary: run.summary,
    folder: run.workspaceFolderName,
    checkpoints: run.checkpoints,
    history: run.history,
    evaluations: run.evaluations.map((evaluation) => ({ file: evaluation.file, checkpoint: evaluation.result.checkpoint, results: evaluation.result.results })),
  });
}

function runNodeOf(snapshot: RunSnapshot, workspaceFolderName: string): RunNode {
  const { summary, checkpoints, history, evaluations, version } = snapshot;
  return { kind: 'run', summary, workspaceFolderName, checkpoints, history, evaluations, version };
}

function runKey(run: RunNode): string {
  return run.summary.runDir;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<RunsTreeNode | undefined>();
  readonly onDidChangeTreeData: vscode.Event<RunsTreeNode | undefined> = this.changeEmitter.event;

  /**
   * The run nodes the view was last given, in order, with the signature of each. They are
   * updated in place and each keeps its `TreeItem.id`, so VS Code keeps expansion and selection.
   */
  private shown: RunNode[] | undefined;
  private readonly signatures = new Map<string, string>();
  /** Reads of the disk run one after the other, so an older read never overwrites a newer one. */
  private reading: Promise<unknown> = Promise.resolve();

  constructor(private readonly cache: RunStoreCache) {}

  /**
   * Redraw everything (the Refresh command; a deleted run, with its folder as `changed`): the
   * cache reads again what changed, everything when not told, on the next `getChildren`.
   */
  refresh(changed: ChangedPaths = 'all'): void {
    this.cache.invalidate(changed);
    this.changeEmitter.fire(undefined);
  }

  /**
   * Re-reads the run store and tells the view only what changed: nothing when every row would be
   * drawn the same (a file watcher fires for many writes that change no row, and a redraw under an
   * open context menu loses the click), the whole tree when any row would change. Returns the
   * runs as now on disk.
   */
  reload(): Promise<RunNode[]> {
    const next = this.reading.then(async () => {
      const fresh = await this.listRuns();
      const previous = this.shown;
      const sameRuns = previous !== undefined && previous.length === fresh.length && previous.every((run, index) => runKey(run) === runKey(fresh[index]));
      const changedRuns = this.adopt(fresh);
      // Any change redraws the whole tree rather than the changed run alone: after an element
      // refresh the extension host forgets the handles of the run's children until the workbench
      // asks for them again, and one e2e run then lost the checkpoint's context-menu command (no
      // argument) ten times in a row. A full refresh is what VS Code re-fetches expanded rows on.
      if (!sameRuns || changedRuns.length > 0) this.changeEmitter.fire(undefined);
      return fresh;
    });
    this.reading = next.catch(() => undefined);
    return next;
  }

  /**
   * Makes `fresh` what the view shows: a run already shown keeps its node object, whose fields
   * are replaced when its signature changed. Returns the kept nodes that changed.
   */
  private adopt(fresh: RunNode[]): RunNode[] {
    const byKey = new Map((this.shown ?? []).map((run) => [runKey(run), run] as const));
    const changed: RunNode[] = [];
    const nextSignatures = new Map<string, string>();
    this.shown = fresh.map((run) => {
      const key = runKey(run);
      const kept = byKey.get(key);
      // A run the cache did not read again draws as before: no signature to work out.
      const signature = kept && kept.version === run.version ? this.signatures.get(key) ?? runSignature(run) : runSignature(run);
      nextSignatures.set(key, signature);
      if (!kept) return run;
      kept.version = run.version;
      if (this.signatures.get(key) !== signature) {
        Object.assign(kept, run);
        changed.push(kept);
      }
      return kept;
    });
    this.signatures.clear();
    for (const [key, signature] of nextSignatures) this.signatures.set(key, signature);
    return changed;
  }

  /**
   * Every run folder of every workspace folder, newest first: the cache's runs, read again only
   * where a change touched them. The quick picks list runs through here too.
   */
  async listRuns(): Promise<RunNode[]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const perFolder = await Promise.all(
      folders.map(async (folder) => (await this.cache.list(runsRootOfFolder(folder))).map((snapshot) => runNodeOf(snapshot, folder.name))),
    );
    return perFolder.flat();
  }

  async getChildren(node?: RunsTreeNode): Promise<RunsTreeNode[]> {
    if (!node) {
      // The view asks for the roots after a full redraw: read the disk, keep the nodes it holds.
      const next = this.reading.then(async () => {
        this.adopt(await this.listRuns());
        return [...(this.shown ?? [])];
      });
      this.reading = next.catch(() => undefined);
      return next;
    }
    switch (node.kind) {
      case 'run':
        // An imported model has no checkpoints: its evaluations are the run's children.
        if (isImportedRun(node)) return node.evaluations.map((evaluation) => ({ kind: 'evaluation' as const, run: node.summary, evaluation }));
        return node.checkpoints.map((checkpoint) => ({
          kind: 'checkpoint' as const,
          run: node.summary,
          checkpoint,
          stats: node.history.find((stats) => stats.epoch === checkpoint.epoch),
          evaluations: node.evaluations.filter((evaluation) => evaluation.result.checkpoint.epoch === checkpoint.epoch),
        }));
      case 'checkpoint':
        return node.evaluations.map((evaluation) => ({ kind: 'evaluation' as const, run: node.run, evaluation }));
      case 'evaluation':
        return node.evaluation.result.results.map((row, index) => ({ kind: 'result' as const, run: node.run, evaluation: node.evaluation, row, index }));
      case 'result':
        return [];
      default: {
        const unexpected: never = node;
        throw new Error(`unknown runs tree node ${JSON.stringify(unexpected)}`);
      }
    }
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'run': {
        const { summary } = node;
        const item = new vscode.TreeItem(
          summary.id,
          node.checkpoints.length > 0 || (isImportedRun(node) && node.evaluations.length > 0) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
        );
        item.id = `run:${summary.runDir}`;
        item.description = (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? `${runDescription(summary)} · ${node.workspaceFolderName}` : runDescription(summary);
        item.tooltip = runTooltip(summary);
        item.iconPath = statusIcon(summary.status);
        item.contextValue = RUN_CONTEXT_VALUE;
        item.resourceUri = vscode.Uri.file(summary.runDir);
        // An imported model has no training history: its click opens its latest evaluation.
        const latest = isImportedRun(node) ? node.evaluations.at(-1) : undefined;
        item.command = latest
          ? { command: COMMAND_IDS.openEvaluation, title: 'Open Evaluation', arguments: [latest.file] }
          : { command: COMMAND_IDS.openDashboard, title: 'Open Run Dashboard', arguments: [node] };
        return item;
      }
      case 'checkpoint': {
        const item = new vscode.TreeItem(
          checkpointLabel(node.checkpoint.epoch),
          node.evaluations.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
        );
        // VS Code remembers a tree item's expansion by its id, and an item first shown without
        // children is remembered collapsed: its first evaluation would stay hidden. The id
        // changes when the first evaluation lands, so the checkpoint opens to show it.
        item.id = `checkpoint:${node.checkpoint.dir}${node.evaluations.length > 0 ? ':evaluated' : ''}`;
        item.description = checkpointDescription(node.stats, node.evaluations.length);
        item.tooltip = `${node.checkpoint.dir}\nRight-click: Evaluate OOD`;
        item.iconPath = new vscode.ThemeIcon('save');
        item.contextValue = CHECKPOINT_CONTEXT_VALUE;
        return item;
      }
      case 'evaluation': {
        const { result, file } = node.evaluation;
        const item = new vscode.TreeItem(evaluationLabel(result), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `evaluation:${file}`;
        item.description = evaluationDescription(result);
        item.tooltip = `${file}\nClick: open the evaluation panel`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.contextValue = EVALUATION_CONTEXT_VALUE;
        item.command = { command: COMMAND_IDS.openEvaluation, title: 'Open Evaluation', arguments: [node] };
        return item;
      }
      case 'result': {
        const item = new vscode.TreeItem(resultLabel(node.row), vscode.TreeItemCollapsibleState.None);
        item.id = `result:${node.evaluation.file}:${node.index}`;
        item.description = resultDescription(node.row);
        item.tooltip = new vscode.MarkdownString(resultTooltipMarkdown(node.row, node.evaluation.result));
        item.iconPath = new vscode.ThemeIcon('graph');
        item.contextValue = RESULT_CONTEXT_VALUE;
        item.command = { command: COMMAND_IDS.openEvaluation, title: 'Open Evaluation', arguments: [node] };
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
