/** Train with LogitNorm, Train with Cross-Entropy and Train...: the questions, then a training job of the job runner. */
import * as vscode from 'vscode';
import { ARCHITECTURES, ARCHITECTURE_DETAILS, BACKENDS, LOSSES, OOD_SETS, SCHEDULES } from '../choices';
import { lossLabel, trainArguments, trainJobTitle, type TrainOptions } from '../cliArguments';
import type { JobOutcome } from '../jobRunner';
import { AUTO_LEARNING_RATE, AUTO_SCHEDULE, readSettings, resolvedDataFolder, runsRootOfFolder, type OodLensSettings } from '../settings';
import { AUGMENT_MODES, AUGMENT_MODE_DETAILS, isAugmentMode } from '../../core/data/augmentation';
import { defaultRecipe } from '../../core/train/recipe';
import { type CommandContext, askNumber, isTreeNode, needsWorkspace, pickDataset, pickEpochs, pickFromList } from './commandHelpers';

// ------------------------------------------------------------------------------------------------
// Training

interface TrainChoices {
  loss: string;
  dataset: string;
  architecture: string;
  epochs: number;
}






export function baseTrainOptions(settings: OodLensSettings, context: CommandContext, folder: vscode.WorkspaceFolder, choices: TrainChoices): TrainOptions {
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

export function trainPresetOf(argument: unknown): TrainPreset {
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
export async function askQuickTrainChoices(title: string, settings: OodLensSettings, preset: TrainPreset, first: number, total: number): Promise<Omit<TrainChoices, 'loss'> | undefined> {
  const dataset = preset.dataset ?? (await pickDataset(`${title} (${first}/${total}): dataset`, settings.defaultDataset));
  if (!dataset) return undefined;
  const architecture = preset.architecture ?? (await pickFromList(`${title} (${first + 1}/${total}): architecture`, ARCHITECTURES, settings.defaultArchitecture, ARCHITECTURE_DETAILS));
  if (!architecture) return undefined;
  const epochs = preset.epochs ?? (await pickEpochs(`${title} (${first + 2}/${total}): epochs`, settings.defaultEpochs));
  if (epochs === undefined) return undefined;
  return { dataset, architecture, epochs };
}

/** "Train with LogitNorm" / "Train with Cross-Entropy": dataset, architecture, epochs; the rest from settings. */
export async function quickTrain(context: CommandContext, loss: 'logitnorm' | 'ce', preset: TrainPreset): Promise<JobOutcome | undefined> {
  const folder = needsWorkspace();
  if (!folder) return undefined;
  const settings = readSettings(folder.uri);
  const choices = await askQuickTrainChoices(`OOD Lens: Train with ${lossLabel(loss)}`, settings, preset, 1, 3);
  if (!choices) return undefined;
  const options = baseTrainOptions(settings, context, folder, { loss, ...choices });
  return startTraining(context, folder, preset.limit ? { ...options, limit: preset.limit } : options);
}

/** "Train...": every option, one question after another; Escape stops without training. */
export async function fullTrain(context: CommandContext): Promise<JobOutcome | undefined> {
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
  const augment = await pickFromList(`${title}: training augmentation`, AUGMENT_MODES, 'auto', AUGMENT_MODE_DETAILS);
  if (!augment || !isAugmentMode(augment)) return undefined;
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
    augment,
    backend,
  };
  return startTraining(context, folder, options);
}
