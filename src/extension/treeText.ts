/**
 * The words of the Runs tree: labels, descriptions and tooltips of runs, checkpoints,
 * evaluations and result rows. Pure (no `vscode`), so the text is unit-tested under Node; the
 * tree provider wraps it in TreeItems. Every number shown is one the engine wrote; nothing here
 * computes a metric, it only formats.
 */
import type { EvaluationResult, ScorerOodResult } from '../core/evaluate/results';
import type { EpochStats } from '../protocol';
import { lossLabel } from './cliArguments';
import { learningRateText } from '../numberText';
import type { RunFolderSummary } from './runFolders';

/** A fraction in [0, 1] as a percentage with `digits` decimals ("4.20%"). */
export function percent(fraction: number | undefined, digits = 2): string {
  return typeof fraction === 'number' && Number.isFinite(fraction) ? `${(100 * fraction).toFixed(digits)}%` : 'n/a';
}

/** Runs: "LogitNorm tau=0.04 · lenet · mnist · best 98.10%" (status is the icon). */
/** The last part of a path, / or \\ separated (no node:path: this text is pure). */
function lastPathPart(file: string): string {
  return file.split(/[\\/]/).filter((part) => part !== '').pop() ?? file;
}

export function runDescription(summary: RunFolderSummary): string {
  if (summary.problem) return summary.problem;
  if (summary.kind === 'imported') {
    const model = summary.config.arch;
    const parts = ['imported ONNX', ...(typeof model === 'string' ? [model] : []), ...(typeof summary.config.dataset === 'string' ? [lastPathPart(summary.config.dataset)] : [])];
    if (typeof summary.bestTestAccuracy === 'number') parts.push(`ID acc ${percent(summary.bestTestAccuracy)}`);
    if (summary.status !== 'done') parts.push(summary.status);
    return parts.join(' · ');
  }
  const { loss, tau, lambda, dataset } = summary.config;
  const architecture = summary.config.arch;
  const parts: string[] = [];
  if (typeof loss === 'string') {
    const key = loss.toLowerCase();
    if (key === 'logitnorm' && typeof tau === 'number') parts.push(`${lossLabel(key)} tau=${tau}`);
    else if (key === 'logitpenalty' && typeof lambda === 'number') parts.push(`${lossLabel(key)} lambda=${lambda}`);
    else parts.push(lossLabel(key));
  }
  if (typeof architecture === 'string') parts.push(architecture);
  if (typeof dataset === 'string') parts.push(dataset);
  if (typeof summary.bestTestAccuracy === 'number') parts.push(`best ${percent(summary.bestTestAccuracy)}`);
  if (summary.status !== 'done') parts.push(summary.status);
  return parts.join(' · ');
}

/**
 * A run's tooltip as Markdown: what a person asks of a run (the loss with its own parameter
 * only, the network, the data, the recipe, where it lives), not run.json as it is on disk.
 */
export function runTooltipMarkdown(summary: RunFolderSummary): string {
  const config = summary.config;
  const lines = [`**${summary.id}** (${summary.status})`, ''];
  if (summary.problem) lines.push(`Problem: ${summary.problem}`, '');
  if (summary.error) lines.push(`Error: ${summary.error}`, '');
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined);
  const rows: Array<[string, string | undefined]> = [];
  if (typeof config.loss === 'string') {
    const key = config.loss.toLowerCase();
    const parameter = key === 'logitnorm' ? text(config.tau) && `tau ${text(config.tau)}` : key === 'logitpenalty' ? text(config.lambda) && `lambda ${text(config.lambda)}` : undefined;
    rows.push(['loss', parameter ? `${lossLabel(key)} (${parameter})` : lossLabel(key)]);
  }
  rows.push(['architecture', text(config.arch)]);
  const limit = typeof config.limit === 'number' && config.limit > 0 ? ` (first ${config.limit} training images)` : '';
  rows.push(['data (ID)', text(config.dataset) && `${text(config.dataset)}${limit}`]);
  rows.push(['OOD probe', text(config.oodProbe)]);
  rows.push(['epochs', text(config.epochs)]);
  rows.push(['batch size', text(config.batchSize)]);
  const momentum = typeof config.momentum === 'number' ? `, momentum ${config.momentum}${config.nesterov === true ? ' (Nesterov)' : ''}` : '';
  const decay = typeof config.weightDecay === 'number' ? `, weight decay ${learningRateText(config.weightDecay)}` : '';
  rows.push(['optimiser', typeof config.lr === 'number' ? `SGD, lr ${learningRateText(config.lr)}${momentum}${decay}` : undefined]);
  rows.push(['schedule', text(config.schedule)]);
  rows.push(['seed', text(config.seed)]);
  rows.push(['backend', text(config.backend)]);
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined);
  if (shown.length > 0) lines.push('| | |', '|---|---|', ...shown.map(([name, value]) => `| ${name} | ${value.replace(/\|/g, '\\|')} |`), '');
  lines.push(summary.runDir);
  return lines.join('\n');
}

export function checkpointLabel(epoch: number): string {
  return `epoch ${epoch}`;
}

/** Checkpoints: "test acc 97.95%" from the epoch's history line, when there is one. */
export function checkpointDescription(stats: EpochStats | undefined, evaluationCount: number): string {
  const parts: string[] = [];
  if (stats && typeof stats.testAccuracy === 'number') parts.push(`test acc ${percent(stats.testAccuracy)}`);
  if (evaluationCount > 0) parts.push(`${evaluationCount} evaluation${evaluationCount === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** Evaluations: labelled by when they ran, described by what they hold. */
export function evaluationLabel(result: EvaluationResult): string {
  const when = result.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return `evaluation ${when}`;
}

export function evaluationDescription(result: EvaluationResult): string {
  return `ID acc ${percent(result.idAccuracy)} · ECE ${percent(result.calibration.ece)} · ${result.scorers.length} scorer${result.scorers.length === 1 ? '' : 's'} x ${result.oodSets.length} OOD set${result.oodSets.length === 1 ? '' : 's'}`;
}

/** Result rows: "msp vs gaussian" / "FPR95 4.20% · AUROC 98.76%". */
export function resultLabel(row: ScorerOodResult): string {
  return `${row.scorer} vs ${row.oodSet}`;
}

export function resultDescription(row: ScorerOodResult): string {
  return `FPR95 ${percent(row.fpr95)} · AUROC ${percent(row.auroc)}`;
}

/** All metrics of a row as Markdown lines for its tooltip. */
export function resultTooltipMarkdown(row: ScorerOodResult, result: EvaluationResult): string {
  const oodCount = result.oodSets.find((set) => set.name === row.oodSet)?.count;
  return [
    `**${row.scorer}** on ${result.idDataset} (ID, ${result.idCount} images) vs **${row.oodSet}** (OOD${oodCount !== undefined ? `, ${oodCount} images` : ''})`,
    '',
    '| metric | value |',
    '|---|---|',
    `| FPR95 (lower is better) | ${percent(row.fpr95)} |`,
    `| AUROC | ${percent(row.auroc)} |`,
    `| AUPR-In | ${percent(row.auprIn)} |`,
    `| AUPR-Out | ${percent(row.auprOut)} |`,
    `| ID accuracy | ${percent(result.idAccuracy)} |`,
    `| ECE / after temperature scaling | ${percent(result.calibration.ece)} / ${percent(result.calibration.eceTemperatureScaled)} |`,
    '',
    result.imported ? `imported model ${lastPathPart(result.imported.model.file)} of ${result.runId}` : `checkpoint epoch ${result.checkpoint.epoch} of ${result.runId}`,
  ].join('\n');
}
