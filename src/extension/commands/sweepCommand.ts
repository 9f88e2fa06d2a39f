/** Sweep tau: the questions, then the sweep driver's jobs and the sweep panel. */
import * as vscode from 'vscode';
import { DEFAULT_SWEEP_SCORER, DEFAULT_SWEEP_TAUS, parseTauList, readSweepRecord, type SweepRecord } from '../../core/sweep/sweepRecord';
import { readSettings } from '../settings';
import { type CommandContext, needsWorkspace, stringList } from './commandHelpers';
import { askQuickTrainChoices, baseTrainOptions, trainPresetOf, type TrainPreset } from './trainCommands';

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

export function sweepPresetOf(argument: unknown): SweepPreset {
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

/**
 * "Sweep tau": the tau values, then dataset, architecture and epochs (defaults from settings);
 * `ood-lens sweep` as one job (a LogitNorm run per tau, each evaluated on the default OOD sets),
 * and a panel plotting the average FPR95 against tau as the evaluations land. Resolves once the
 * sweep ended, with its record as the engine last wrote it.
 */
export async function sweepTau(context: CommandContext, preset: SweepPreset): Promise<{ sweepFile: string; record: SweepRecord } | undefined> {
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
  const sweep = context.sweepDriver.start({
    taus,
    train: preset.limit ? { ...train, limit: preset.limit } : train,
    oodSets: preset.oodSets ?? settings.defaultOodSets,
    scorers: scorers.includes(DEFAULT_SWEEP_SCORER) ? scorers : [DEFAULT_SWEEP_SCORER, ...scorers],
    scorer: DEFAULT_SWEEP_SCORER,
    oodCount: settings.evaluationOodCount > 0 ? settings.evaluationOodCount : undefined,
    cwd: folder.uri.fsPath,
  });
  // The panel opens as soon as the engine has written the sweep's record.
  const sweepFile = await sweep.sweepFile;
  if (sweepFile) context.sweeps.show(sweepFile);
  const outcome = await sweep.outcome;
  // A job that ended before it wrote a record (it failed to start, or was cancelled while queued) has nothing to show; a failure is reported by the job runner.
  if (!sweepFile) return undefined;
  const record = await readSweepRecord(sweepFile);
  const landed = record.points.filter((point) => point.status === 'done').length;
  const ended = record.status === 'done' ? 'finished' : record.status === 'running' ? `stopped (${outcome.errorMessage ?? 'see the log'})` : `ended ${record.status}`;
  const best = record.bestTau === undefined ? '' : `; best tau ${record.bestTau}`;
  void vscode.window.showInformationMessage(`OOD Lens: the tau sweep ${ended}: ${landed} of ${record.points.length} taus evaluated${best}.`);
  return { sweepFile, record };
}
