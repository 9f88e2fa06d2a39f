/**
 * Every command the extension contributes, registered in one place. Training and evaluation go to
 * the job runner (child processes of the CLI); the rest read or change the run store on disk.
 * Arguments come from the palette (then quick picks ask) or from the Runs tree's context menus
 * (a tree node). The command families live in ./commands/.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMAND_IDS } from './commandIds';
import { primaryWorkspaceFolder, runsRootOfFolder } from './settings';
import { type CommandContext, pickRun, runDirOf } from './commands/commandHelpers';
import { fullTrain, quickTrain, trainPresetOf } from './commands/trainCommands';
import { evaluate, evaluateModel, evaluateModelPresetOf, evaluatePresetOf, openEvaluation } from './commands/evaluateCommands';
import { cancelJob, compareRuns, deleteRun, exportReport, reportPresetOf } from './commands/runCommands';
import { sweepPresetOf, sweepTau } from './commands/sweepCommand';
import { nativeSetupPresetOf, setUpNativeTensorflow } from './commands/nativeSetupCommand';

export type { CommandContext } from './commands/commandHelpers';

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
    vscode.commands.registerCommand(COMMAND_IDS.setUpNativeTensorflow, guarded('Set Up Native TensorFlow', (argument) => setUpNativeTensorflow(context, nativeSetupPresetOf(argument)))),
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
