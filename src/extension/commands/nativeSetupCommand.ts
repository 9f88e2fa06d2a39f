/**
 * "OOD Lens: Set Up Native TensorFlow", and the offer of it when a job starts on WebAssembly: a
 * progress notification with Cancel around NativeEngine.setUp (nativeEngine.ts), its log in the
 * "OOD Lens" output channel, and the outcome in one line.
 */
import * as vscode from 'vscode';
import { NativeSetupError, SetupCancelled, type NativeSetupResult } from '../../core/backend/nativeInstall';
import type { NativeFolderRecord } from '../../core/backend/nativeFolder';
import type { WorkerEvent } from '../../protocol';
import { COMMAND_IDS } from '../commandIds';
import type { CommandContext } from './commandHelpers';

/** globalState key: 'never' once the user answered the offer with "Don't ask again". */
export const NATIVE_OFFER_STATE_KEY = 'oodLens.nativeTensorflowOffer';
const SET_UP = 'Set Up';
const NOT_NOW = 'Not now';
const NEVER = "Don't ask again";

/** `executeCommand('oodLens.setUpNativeTensorflow', { force: true })` sets it up again without asking. */
export function nativeSetupPresetOf(argument: unknown): { force?: boolean } {
  return typeof argument === 'object' && argument !== null && (argument as { force?: unknown }).force === true ? { force: true } : {};
}

function describe(record: NativeFolderRecord): string {
  const how = record.route === 'npm' ? "its own npm install" : 'a TensorFlow CPU wheel';
  return `tfjs-node ${record.version} on TensorFlow ${record.tensorflow}'s C library (built from ${how})`;
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The command. Resolves with what the installer did, or undefined when it did not finish. */
export async function setUpNativeTensorflow(context: CommandContext, preset: { force?: boolean } = {}): Promise<NativeSetupResult | undefined> {
  const { native, runner } = context;
  if (native.isRunning) {
    void vscode.window.showInformationMessage('OOD Lens: native TensorFlow is being set up already; its progress is in the notification.');
    return undefined;
  }
  let force = preset.force === true;
  const existing = native.installed();
  if (existing && !force) {
    const again = 'Set Up Again';
    const choice = await vscode.window.showInformationMessage(`OOD Lens: native TensorFlow is set up: ${describe(existing)}, in ${native.folder}. Jobs with backend 'auto' use it.`, 'Check It', again);
    if (choice === undefined) return undefined;
    force = choice === again;
  }
  const log = (line: string) => runner.output.appendLine(`[native] ${line}`);
  const wheel = vscode.workspace.getConfiguration('oodLens').get<string>('tensorflowWheel', '').trim();
  const startedAt = Date.now();
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'OOD Lens: setting up native TensorFlow', cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const cancellation = token.onCancellationRequested(() => {
          log('cancelled: stopping the set-up and its child processes');
          abort.abort();
        });
        let step = 'starting';
        const show = () => progress.report({ message: `${step} (${elapsed(startedAt)})` });
        // The longest steps (pip's download, the build) say nothing for minutes: keep the clock going.
        const clock = setInterval(show, 1000);
        try {
          return await native.setUp({
            force,
            wheel,
            signal: abort.signal,
            log,
            onStep: (title) => {
              step = title;
              show();
            },
          });
        } finally {
          clearInterval(clock);
          cancellation.dispose();
        }
      },
    );
    const record = result.record ?? native.installed();
    const what = record ? describe(record) : 'tfjs-node';
    log(`${result.alreadyDone ? 'already set up' : 'done'} in ${elapsed(startedAt)}: ${result.reason}`);
    void vscode.window.showInformationMessage(result.alreadyDone
      ? `OOD Lens: native TensorFlow is set up and computes: ${what}.`
      : `OOD Lens: native TensorFlow is set up in ${elapsed(startedAt)}: ${what}. The next jobs with backend 'auto' use it.`);
    return result;
  } catch (error) {
    if (error instanceof SetupCancelled) {
      void vscode.window.showInformationMessage('OOD Lens: the set-up of native TensorFlow was cancelled; nothing was installed, jobs keep using wasm.');
      return undefined;
    }
    if (!(error instanceof NativeSetupError)) throw error;
    log(`failed after ${elapsed(startedAt)}: ${error.message}`);
    const openLog = 'Open Log';
    void vscode.window.showErrorMessage(`OOD Lens: native TensorFlow could not be set up: ${error.message}`, openLog).then((choice) => {
      if (choice === openLog) runner.output.show(true);
    });
    return undefined;
  }
}

type StartedEvent = Extract<WorkerEvent, { type: 'started' }>;

/**
 * After a job started: when 'auto' landed on wasm (or cpu) and there is no native engine, offers
 * to set one up, once a session, unless the user said "Don't ask again" (kept in globalState).
 * When a native engine is set up but did not load, says why, once a session.
 */
export async function offerNativeSetup(context: CommandContext, event: StartedEvent, requestedBackend: string | undefined): Promise<void> {
  const { native, state } = context;
  if (requestedBackend !== 'auto' || (event.backend !== 'wasm' && event.backend !== 'cpu')) return;
  if (native.offeredThisSession || native.isRunning) return;
  native.offeredThisSession = true;
  if (native.installed()) {
    const again = 'Set Up Again';
    const why = /tfjs-node: ([^;]*)/.exec(event.backendReason)?.[1] ?? event.backendReason;
    const choice = await vscode.window.showWarningMessage(`OOD Lens: native TensorFlow is set up in ${native.folder} but did not load (${why}); this job runs on ${event.backend}.`, again, 'Open Log');
    if (choice === again) await vscode.commands.executeCommand(COMMAND_IDS.setUpNativeTensorflow, { force: true });
    else if (choice === 'Open Log') context.runner.output.show(true);
    return;
  }
  if (state.get<string>(NATIVE_OFFER_STATE_KEY) === 'never') return;
  const choice = await vscode.window.showInformationMessage(
    `OOD Lens: this job trains on ${event.backend === 'wasm' ? 'WebAssembly (wasm)' : 'plain JavaScript (cpu)'}. Native TensorFlow (tfjs-node) trains several times faster. ` +
      'Set it up for the next jobs? (about 1 GB on disk; it downloads TensorFlow)',
    SET_UP,
    NOT_NOW,
    NEVER,
  );
  if (choice === NEVER) await state.update(NATIVE_OFFER_STATE_KEY, 'never');
  else if (choice === SET_UP) await vscode.commands.executeCommand(COMMAND_IDS.setUpNativeTensorflow);
}
