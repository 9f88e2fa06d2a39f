/** Commands on runs that need no engine: Export Report, Compare Runs, Delete Run, Cancel Job. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserInputError } from '../../core/errors';
import { reportText, type ReportFormat } from '../../core/evaluate/reportText';
import { writeFileAtomic } from '../../core/runs/atomicWrite';
import { jobUsingRun } from '../jobQueue';
import { runsRootOfFolder } from '../settings';
import { runDescription } from '../treeText';
import { type CommandContext, needsWorkspace, pickRun, runDirOf } from './commandHelpers';

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

export function reportPresetOf(argument: unknown): ReportPreset {
  if (typeof argument !== 'object' || argument === null || Array.isArray(argument)) return {};
  const given = argument as Record<string, unknown>;
  const format = REPORT_FORMATS.find((entry) => entry.format === given.format)?.format;
  if (given.format !== undefined && !format) throw new Error(`report format "${String(given.format)}" is unknown: expected md, csv or json`);
  return { format, file: typeof given.file === 'string' && path.isAbsolute(given.file) ? given.file : undefined };
}

export async function exportReport(context: CommandContext, argument: unknown, preset: ReportPreset): Promise<string | undefined> {
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
export async function compareRuns(context: CommandContext, argument: unknown, second: unknown): Promise<string[] | undefined> {
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

export async function deleteRun(context: CommandContext, argument: unknown): Promise<boolean> {
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
  context.runsTree.refresh([runDir]);
  return true;
}

/** Cancels a job: the one whose id a script passes, the only one, or the one picked from a list. */
export async function cancelJob(context: CommandContext, argument?: unknown): Promise<void> {
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
