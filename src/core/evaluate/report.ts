import type { EvaluationResult, ScorerOodResult } from './results';

/**
 * The paper's tables from evaluation files. Runs that differ only in their seed form one
 * configuration; a cell over several seeds is mean +- std (sample std, n - 1).
 */

export interface Cell {
  mean: number;
  std: number;
  n: number;
}

export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: { label: string[]; cells: (Cell | null)[] }[];
  /** How many leading entries of each row label are text columns. */
  labelColumns: string[];
  /** Cell values are fractions shown as percentages. */
  percent: boolean[];
}

export function configurationName(r: EvaluationResult): string {
  const t = r.train;
  const param = t.loss === 'logitnorm' ? ` (tau ${t.tau})` : t.loss === 'logitpenalty' ? ` (lambda ${t.lambda})` : '';
  // A data set given as a folder is named by its last part, as run ids name it (describeConfig).
  const dataset = t.dataset.replace(/[\\/]+$/, '').replace(/^.*[\\/]/, '');
  return `${dataset} ${t.arch} ${t.loss}${param}`;
}

function cell(values: number[]): Cell | null {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** One evaluation per run: the newest of its newest checkpoint. */
export function latestPerRun(evaluations: EvaluationResult[]): EvaluationResult[] {
  const byRun = groupBy(evaluations, (e) => e.runId);
  return [...byRun.values()].map((list) => list.slice().sort((a, b) => b.checkpoint.epoch - a.checkpoint.epoch || b.createdAt.localeCompare(a.createdAt))[0]);
}

export function buildReport(evaluations: EvaluationResult[], options: { scorer?: string } = {}): Table[] {
  const evals = latestPerRun(evaluations);
  const configs = groupBy(evals, configurationName);
  const configNames = [...configs.keys()].sort();
  const mainScorer = options.scorer ?? 'msp';
  const tables: Table[] = [];

  // Table 1: per OOD set and configuration, one scorer (MSP by default).
  const t1: Table = {
    id: 'table1',
    title: `Table 1: OOD detection per OOD set, scorer ${mainScorer}`,
    labelColumns: ['OOD set', 'configuration'],
    columns: ['FPR95', 'AUROC', 'AUPR-In', 'AUPR-Out'],
    percent: [true, true, true, true],
    rows: [],
  };
  // Scored on normalised logits too (evaluate --normalised-logits): two more columns, side by side.
  const withNormalised = evals.some((e) => e.results.some((r) => r.scorer === mainScorer && r.normalised));
  if (withNormalised) {
    t1.columns.push(...NORMALISED_COLUMNS);
    t1.percent.push(true, true);
    t1.title += NORMALISED_NOTE;
  }
  const oodSets = [...new Set(evals.flatMap((e) => e.results.map((r) => r.oodSet)))].sort();
  for (const set of [...oodSets, 'average']) {
    for (const name of configNames) {
      const runs = configs.get(name) ?? [];
      const mainRows = (e: EvaluationResult) => e.results.filter((r) => r.scorer === mainScorer && (set === 'average' || r.oodSet === set));
      const perRun = (metric: 'fpr95' | 'auroc' | 'auprIn' | 'auprOut') =>
        runs.map((e) => {
          const rs = mainRows(e);
          return rs.length ? mean(rs.map((r) => r[metric])) : NaN;
        });
      const perRunNormalised = (metric: 'fpr95' | 'auroc') => runs.map((e) => normalisedMean(mainRows(e), metric));
      const cells = [cell(perRun('fpr95')), cell(perRun('auroc')), cell(perRun('auprIn')), cell(perRun('auprOut'))];
      if (withNormalised) cells.push(cell(perRunNormalised('fpr95')), cell(perRunNormalised('auroc')));
      if (cells.some((c) => c !== null)) t1.rows.push({ label: [set, name], cells });
    }
  }
  tables.push(t1);

  // Table 2: scorer x configuration, averaged over OOD sets.
  const t2: Table = {
    id: 'table2',
    title: 'Table 2: scorers, averaged over OOD sets',
    labelColumns: ['scorer', 'configuration'],
    columns: ['FPR95', 'AUROC', 'AUPR-In'],
    percent: [true, true, true],
    rows: [],
  };
  const anyNormalised = evals.some((e) => e.results.some((r) => r.normalised));
  if (anyNormalised) {
    t2.columns.push(...NORMALISED_COLUMNS);
    t2.percent.push(true, true);
    t2.title += NORMALISED_NOTE;
  }
  const scorers = [...new Set(evals.flatMap((e) => e.results.map((r) => r.scorer)))];
  for (const scorer of scorers) {
    for (const name of configNames) {
      const runs = configs.get(name) ?? [];
      const perRun = (metric: 'fpr95' | 'auroc' | 'auprIn') => runs.map((e) => mean(e.results.filter((r) => r.scorer === scorer).map((r) => r[metric])));
      const cells = [cell(perRun('fpr95')), cell(perRun('auroc')), cell(perRun('auprIn'))];
      if (anyNormalised) cells.push(...(['fpr95', 'auroc'] as const).map((metric) => cell(runs.map((e) => normalisedMean(e.results.filter((r) => r.scorer === scorer), metric)))));
      if (cells.some((c) => c !== null)) t2.rows.push({ label: [scorer, name], cells });
    }
  }
  tables.push(t2);

  // Table 4: ECE without / with temperature scaling.
  const t4: Table = {
    id: 'table4',
    title: 'Table 4: ID accuracy and ECE (15 bins) without / with temperature scaling',
    labelColumns: ['configuration'],
    columns: ['accuracy', 'ECE', 'ECE with TS', 'T'],
    percent: [true, true, true, false],
    rows: configNames.map((name) => {
      const runs = configs.get(name) ?? [];
      return {
        label: [name],
        cells: [cell(runs.map((e) => e.idAccuracy)), cell(runs.map((e) => e.calibration.ece)), cell(runs.map((e) => e.calibration.eceTemperatureScaled)), cell(runs.map((e) => e.calibration.temperature))],
      };
    }),
  };
  tables.push(t4);

  // Table 5: the main scorer's averages with the logit norms of ID and OOD data.
  const t5: Table = {
    id: 'table5',
    title: `Table 5: loss vs mean L2 norm of the logits (ID test / OOD average), scorer ${mainScorer}`,
    labelColumns: ['configuration'],
    columns: ['FPR95', 'AUROC', 'AUPR-In', 'L2 norm ID', 'L2 norm OOD'],
    percent: [true, true, true, false, false],
    rows: configNames.map((name) => {
      const runs = configs.get(name) ?? [];
      const avg = (metric: 'fpr95' | 'auroc' | 'auprIn') => runs.map((e) => mean(e.results.filter((r) => r.scorer === mainScorer).map((r) => r[metric])));
      return {
        label: [name],
        cells: [cell(avg('fpr95')), cell(avg('auroc')), cell(avg('auprIn')), cell(runs.map((e) => e.logitNorm.id)), cell(runs.map((e) => mean(Object.values(e.logitNorm.ood))))],
      };
    }),
  };
  tables.push(t5);
  return tables;
}

/**
 * The report's columns for the metrics on normalised logits f / (tau ||f||). No '|' in the names:
 * it would split a Markdown table's column.
 */
export const NORMALISED_COLUMNS = ['FPR95 normalised', 'AUROC normalised'];
const NORMALISED_NOTE = '; "normalised": the same scorer on f / (tau ‖f‖)';

/** The mean of a metric on normalised logits over rows; NaN unless every row has it. */
function normalisedMean(rows: ScorerOodResult[], metric: 'fpr95' | 'auroc'): number {
  if (rows.length === 0 || rows.some((r) => !r.normalised)) return NaN;
  return mean(rows.map((r) => (r.normalised as NonNullable<ScorerOodResult['normalised']>)[metric]));
}

function formatCell(c: Cell | null, percent: boolean): string {
  if (!c) return '-';
  const scale = percent ? 100 : 1;
  const digits = percent ? 2 : c.mean * scale >= 100 ? 1 : 3;
  const m = (c.mean * scale).toFixed(digits);
  return c.n > 1 ? `${m} ± ${(c.std * scale).toFixed(digits)}` : m;
}

export function renderMarkdown(tables: Table[]): string {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`### ${t.title}`, '');
    out.push(`| ${[...t.labelColumns, ...t.columns.map((c, i) => (t.percent[i] ? `${c} (%)` : c))].join(' | ')} |`);
    out.push(`|${[...t.labelColumns, ...t.columns].map(() => '---').join('|')}|`);
    for (const r of t.rows) out.push(`| ${[...r.label, ...r.cells.map((c, i) => formatCell(c, t.percent[i]))].join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}

export function renderCsv(tables: Table[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const out: string[] = ['table,label,metric,mean,std,n'];
  for (const t of tables) {
    for (const r of t.rows) {
      r.cells.forEach((c, i) => {
        if (c) out.push([t.id, r.label.join(' / '), t.columns[i], String(c.mean), String(c.std), String(c.n)].map(q).join(','));
      });
    }
  }
  return out.join('\n') + '\n';
}

/** A plain-text table for the terminal (one evaluation, or any Table). */
export function renderText(table: Table): string {
  const header = [...table.labelColumns, ...table.columns];
  const rows = table.rows.map((r) => [...r.label, ...r.cells.map((c, i) => formatCell(c, table.percent[i]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i < table.labelColumns.length ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

/** The table of one evaluation: scorer x OOD set. */
export function evaluationTable(r: EvaluationResult): Table {
  const withNormalised = r.results.some((x) => x.normalised);
  const one = (v: number | undefined): Cell | null => (v === undefined ? null : { mean: v, std: 0, n: 1 });
  return {
    id: 'evaluation',
    title: `${r.runId} epoch ${r.checkpoint.epoch}${withNormalised ? NORMALISED_NOTE : ''}`,
    labelColumns: ['scorer', 'OOD set'],
    columns: ['FPR95', 'AUROC', 'AUPR-In', 'AUPR-Out', ...(withNormalised ? NORMALISED_COLUMNS : [])],
    percent: [true, true, true, true, ...(withNormalised ? [true, true] : [])],
    rows: r.results.map((x) => ({
      label: [x.scorer, x.oodSet],
      cells: [...[x.fpr95, x.auroc, x.auprIn, x.auprOut].map(one), ...(withNormalised ? [one(x.normalised?.fpr95), one(x.normalised?.auroc)] : [])],
    })),
  };
}
