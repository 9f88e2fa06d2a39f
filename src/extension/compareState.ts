/**
 * The compare panel's state from the evaluation files of two or more runs: each run's latest
 * evaluation (the engine's `latestPerRun`: the newest evaluation of its newest checkpoint), its
 * scorer x OOD set table as the engine's report lays it out (`evaluationTable`), merged into one
 * row per scorer x OOD set with an "A / B (/ C ...)" cell per metric and the better value marked.
 * Pure (no `vscode`): the numbers are the engine's; this only lines them up and compares them.
 */
import { evaluationTable, latestPerRun } from '../core/evaluate/report';
import type { EvaluationResult } from '../core/evaluate/results';
import type { CompareCell, CompareMetric, CompareRunColumn, CompareState } from '../protocol';
import { lossLabel } from './cliArguments';
import type { EvaluationFile } from './runFolders';

/** Which way each column of the engine's evaluation table is better. */
const BETTER: Record<string, CompareMetric['better']> = { FPR95: 'lower', AUROC: 'higher', 'AUPR-In': 'higher', 'AUPR-Out': 'higher' };

/** A, B, ..., Z, then AA, AB, ... */
export function runLetter(index: number): string {
  const letter = String.fromCharCode(65 + (index % 26));
  return index < 26 ? letter : runLetter(Math.floor(index / 26) - 1) + letter;
}

/** The runs holding the better value; none when fewer than two runs have a value or all have the same. */
export function betterIndices(values: Array<number | null>, better: CompareMetric['better']): number[] {
  const present = values.flatMap((value, index) => (value !== null && Number.isFinite(value) ? [{ value, index }] : []));
  if (present.length < 2) return [];
  const best = better === 'lower' ? Math.min(...present.map((entry) => entry.value)) : Math.max(...present.map((entry) => entry.value));
  const winners = present.filter((entry) => entry.value === best).map((entry) => entry.index);
  return winners.length === present.length ? [] : winners;
}

function compareCell(values: Array<number | null>, better: CompareMetric['better']): CompareCell {
  return { values, best: betterIndices(values, better) };
}

function trainingDescription(result: EvaluationResult): string {
  const { loss, tau, lambda, arch, dataset, seed } = result.train;
  if (result.imported) return `imported ONNX · ${arch} · ${dataset}`;
  const parameter = loss === 'logitnorm' ? ` tau=${tau}` : loss === 'logitpenalty' ? ` lambda=${lambda}` : '';
  return `${lossLabel(loss)}${parameter} · ${arch} · ${dataset} · seed ${seed}`;
}

/** One compared run: its run folder and every evaluation file it holds. */
export interface CompareInput {
  runDir: string;
  evaluations: EvaluationFile[];
}

/**
 * Lines up the latest evaluation of each run. Runs without an evaluation are left out (the
 * command offers only evaluated runs); throws when fewer than two are left.
 */
export function compareStateOf(inputs: CompareInput[]): CompareState {
  const chosen = inputs.flatMap((input) => {
    const [latest] = latestPerRun(input.evaluations.map((evaluation) => evaluation.result));
    const file = latest ? input.evaluations.find((evaluation) => evaluation.result === latest)?.file : undefined;
    return latest && file ? [{ runDir: input.runDir, result: latest, file }] : [];
  });
  if (chosen.length < 2) throw new Error(`Compare Runs needs two or more runs with an evaluation; ${chosen.length} of the ${inputs.length} given have one`);
  const runs: CompareRunColumn[] = chosen.map((entry, index) => ({
    letter: runLetter(index),
    runId: entry.result.runId,
    runDir: entry.runDir,
    description: trainingDescription(entry.result),
    checkpointEpoch: entry.result.checkpoint.epoch,
    evaluationFile: entry.file,
  }));
  const tables = chosen.map((entry) => evaluationTable(entry.result));
  const metrics: CompareMetric[] = tables[0].columns.map((label) => ({ label, better: BETTER[label] ?? 'higher' }));
  // Rows in the order the first run lists them, then any a later run adds.
  const rowKeys: Array<{ scorer: string; oodSet: string }> = [];
  const seen = new Set<string>();
  for (const table of tables) {
    for (const row of table.rows) {
      const key = JSON.stringify(row.label);
      if (seen.has(key)) continue;
      seen.add(key);
      rowKeys.push({ scorer: row.label[0], oodSet: row.label[1] });
    }
  }
  const rows = rowKeys.map(({ scorer, oodSet }) => ({
    scorer,
    oodSet,
    cells: metrics.map((metric, column) =>
      compareCell(
        tables.map((table) => table.rows.find((row) => row.label[0] === scorer && row.label[1] === oodSet)?.cells[column]?.mean ?? null),
        metric.better,
      ),
    ),
  }));
  const summaryOf = (label: string, better: CompareMetric['better'], value: (result: EvaluationResult) => number) => ({
    label,
    better,
    cell: compareCell(chosen.map((entry) => value(entry.result)), better),
  });
  return {
    title: `Compare ${runs.map((run) => `${run.letter}: ${run.runId}`).join(' · ')}`,
    source: `The latest evaluation of each run: ${runs.map((run) => run.evaluationFile).join(', ')}`,
    runs,
    metrics,
    rows,
    summary: [
      summaryOf('ID accuracy', 'higher', (result) => result.idAccuracy),
      summaryOf('ECE (15 bins)', 'lower', (result) => result.calibration.ece),
      summaryOf('ECE after temperature scaling', 'lower', (result) => result.calibration.eceTemperatureScaled),
    ],
  };
}
