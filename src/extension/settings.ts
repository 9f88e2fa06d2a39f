/**
 * The `oodLens.*` settings (package.json `contributes.configuration`), read typed, with the
 * defaults the manifest declares as the fallback when a value has the wrong type.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AUTO_LEARNING_RATE, AUTO_SCHEDULE } from './choices';
import { RUNS_FOLDER_RELATIVE, runsRootOf } from './runFolders';

export { AUTO_LEARNING_RATE, AUTO_SCHEDULE };

export const SETTINGS_SECTION = 'oodLens';

export interface OodLensSettings {
  runsFolder: string;
  dataFolder: string;
  defaultDataset: string;
  defaultArchitecture: string;
  defaultLoss: string;
  defaultTau: number;
  defaultLambda: number;
  defaultEpochs: number;
  defaultBatchSize: number;
  /** 0 = the architecture's recipe (core/train/recipe.ts): no --lr is passed. */
  defaultLearningRate: number;
  /** A schedule the CLI's --schedule takes, e.g. cosine+warmup:1; `auto` = the recipe's (no --schedule). */
  defaultSchedule: string;
  /** 0 = every training image. */
  defaultLimit: number;
  defaultOodProbe: string;
  defaultOodSets: string[];
  defaultScorers: string[];
  /** OOD images per set in an evaluation; 0 = the engine's default. */
  evaluationOodCount: number;
  backend: string;
}

export const DEFAULT_SETTINGS: OodLensSettings = {
  runsFolder: RUNS_FOLDER_RELATIVE,
  dataFolder: '',
  defaultDataset: 'mnist',
  defaultArchitecture: 'lenet',
  defaultLoss: 'logitnorm',
  defaultTau: 0.04,
  defaultLambda: 0.05,
  defaultEpochs: 5,
  defaultBatchSize: 128,
  defaultLearningRate: AUTO_LEARNING_RATE,
  defaultSchedule: AUTO_SCHEDULE,
  defaultLimit: 0,
  defaultOodProbe: 'gaussian',
  defaultOodSets: ['fashion-mnist', 'gaussian', 'uniform'],
  defaultScorers: ['msp', 'odin', 'energy', 'gradnorm'],
  evaluationOodCount: 0,
  backend: 'auto',
};

function pick<T>(value: unknown, fallback: T): T {
  if (Array.isArray(fallback)) return (Array.isArray(value) && value.every((entry) => typeof entry === 'string') ? value : fallback) as T;
  return (typeof value === typeof fallback ? value : fallback) as T;
}

export function readSettings(scope?: vscode.Uri): OodLensSettings {
  const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  const settings = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(DEFAULT_SETTINGS) as Array<keyof OodLensSettings>) {
    (settings as Record<keyof OodLensSettings, unknown>)[key] = pick(configuration.get<unknown>(key), DEFAULT_SETTINGS[key]);
  }
  return settings;
}

/** The workspace folder runs go to: the first one (runs of every folder are listed). */
export function primaryWorkspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

/** The runs folder of each workspace folder, as the setting says. */
export function runsRootOfFolder(folder: vscode.WorkspaceFolder): string {
  return runsRootOf(folder.uri.fsPath, readSettings(folder.uri).runsFolder);
}

/** The data folder setting as an absolute path (relative = to the first workspace folder), or undefined. */
export function resolvedDataFolder(settings: OodLensSettings): string | undefined {
  if (settings.dataFolder.trim() === '') return undefined;
  const base = primaryWorkspaceFolder()?.uri.fsPath ?? process.cwd();
  return path.resolve(base, settings.dataFolder);
}
