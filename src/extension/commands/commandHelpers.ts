/** What every command family shares: the context commands get, reading their arguments (a tree node, a Uri, a path), and the quick-pick and input-box questions. */
import * as vscode from 'vscode';
import { DATASETS, defaultFirst, EPOCH_CHOICES } from '../choices';
import type { ComparePanels } from '../comparePanels';
import type { DashboardPanels } from '../dashboardPanels';
import type { EvaluationPanels } from '../evaluationPanels';
import type { JobRunner } from '../jobRunner';
import type { NativeEngine } from '../nativeEngine';
import type { RunStoreCache } from '../runStoreCache';
import type { RunNode, RunsTreeNode, RunsTreeProvider } from '../runsTree';
import { primaryWorkspaceFolder } from '../settings';
import type { SweepDriver } from '../sweepDriver';
import type { SweepPanels } from '../sweepPanels';

export interface CommandContext {
  /** The run folders as last read: the tree, the panels and every question that lists runs share it. */
  runStore: RunStoreCache;
  runsTree: RunsTreeProvider;
  dashboards: DashboardPanels;
  evaluations: EvaluationPanels;
  compares: ComparePanels;
  sweeps: SweepPanels;
  sweepDriver: SweepDriver;
  runner: JobRunner;
  /** The extension's global storage: the engine's data cache (DESIGN.md). */
  cacheFolder: string;
  extensionPath: string;
  /** tfjs-node in the global storage (Set Up Native TensorFlow). */
  native: NativeEngine;
  /** The extension's globalState: remembered answers (the native set-up offer's "Don't ask again"). */
  state: vscode.Memento;
}

/** A run folder from whatever a command was invoked with: a tree node, a Uri or a path. */
export function runDirOf(argument: unknown): string | undefined {
  if (argument instanceof vscode.Uri) return argument.fsPath;
  if (typeof argument === 'string') return argument;
  if (isTreeNode(argument)) {
    switch (argument.kind) {
      case 'run':
        return argument.summary.runDir;
      case 'checkpoint':
      case 'evaluation':
      case 'result':
        return argument.run.runDir;
      default: {
        const unexpected: never = argument;
        throw new Error(`unknown tree node ${JSON.stringify(unexpected)}`);
      }
    }
  }
  return undefined;
}

export function isTreeNode(argument: unknown): argument is RunsTreeNode {
  return typeof argument === 'object' && argument !== null && 'kind' in argument;
}

export function needsWorkspace(): vscode.WorkspaceFolder | undefined {
  const folder = primaryWorkspaceFolder();
  if (!folder) void vscode.window.showInformationMessage('OOD Lens: open a folder first; runs live in its .oodlens/runs/ (setting oodLens.runsFolder).');
  return folder;
}

/** Asks for a run among the tree's (the run store cache's listing, not read again). */
export async function pickRun(runsTree: RunsTreeProvider, title: string, filter: (run: RunNode) => boolean = () => true): Promise<RunNode | undefined> {
  const runs = (await runsTree.listRuns()).filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('OOD Lens: there is no run for that yet. Train one first ("OOD Lens: Train with LogitNorm").');
    return undefined;
  }
  if (runs.length === 1) return runs[0];
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({ label: run.summary.id, description: run.summary.status, detail: run.summary.runDir, run })),
    // Like every other question of ours: a panel that takes the focus as it loads (a webview
    // opened a moment before) must not close the question and end the command unanswered.
    { title, ignoreFocusOut: true },
  );
  return picked?.run;
}


export async function pickFromList(title: string, values: readonly string[], preferred: string, details: Record<string, string> = {}): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    defaultFirst(values.includes(preferred) ? values : [preferred, ...values], preferred).map((value) => ({
      label: value,
      description: value === preferred ? '(default from settings)' : undefined,
      detail: details[value],
    })),
    { title, ignoreFocusOut: true },
  );
  return picked?.label;
}

export async function pickDataset(title: string, preferred: string): Promise<string | undefined> {
  const folderChoice = 'Folder of images...';
  const picked = await pickFromList(title, [...DATASETS, folderChoice], preferred, { [folderChoice]: 'one sub-folder per class' });
  if (picked !== folderChoice) return picked;
  const folders = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, title: 'Folder of images, one sub-folder per class' });
  return folders?.[0]?.fsPath;
}

export async function pickEpochs(title: string, preferred: number): Promise<number | undefined> {
  const values = defaultFirst(EPOCH_CHOICES.includes(preferred as (typeof EPOCH_CHOICES)[number]) ? [...EPOCH_CHOICES] : [preferred, ...EPOCH_CHOICES], preferred);
  const picked = await vscode.window.showQuickPick(
    values.map((epochs) => ({ label: String(epochs), description: epochs === preferred ? '(default from settings)' : undefined })),
    { title, ignoreFocusOut: true },
  );
  return picked ? Number(picked.label) : undefined;
}

function numberValidator(kind: 'integer' | 'positive' | 'nonNegativeInteger'): (text: string) => string | undefined {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) return 'a number';
    if (kind === 'integer' && (!Number.isInteger(value) || value < 1)) return 'a whole number >= 1';
    if (kind === 'nonNegativeInteger' && (!Number.isInteger(value) || value < 0)) return 'a whole number >= 0';
    if (kind === 'positive' && value <= 0) return 'a number > 0';
    return undefined;
  };
}

export async function askNumber(title: string, value: number, kind: 'integer' | 'positive' | 'nonNegativeInteger', prompt?: string): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({ title, value: String(value), prompt, validateInput: numberValidator(kind), ignoreFocusOut: true });
  return text === undefined ? undefined : Number(text);
}

export async function pickMany(title: string, values: readonly string[], preferred: string[], details: Record<string, string> = {}): Promise<string[] | undefined> {
  const all = [...preferred.filter((value) => !values.includes(value)), ...values];
  const picked = await vscode.window.showQuickPick(
    all.map((value) => ({ label: value, picked: preferred.includes(value), detail: details[value] })),
    { title, canPickMany: true, ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  if (picked.length === 0) {
    void vscode.window.showInformationMessage(`OOD Lens: pick at least one (${title}).`);
    return undefined;
  }
  return picked.map((item) => item.label);
}

export function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string') ? value : undefined;
}
