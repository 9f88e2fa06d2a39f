/** Formatting shared by the evaluation panel and the sidebar's Metrics view (display only, no metric). */
import type { ScorerOodResult } from '../src/core/evaluate/results';
import { element } from './dom';

/** A fraction as a percentage with `digits` decimals, or 'n/a'. */
export function percentText(fraction: number | null | undefined, digits = 2): string {
  return typeof fraction === 'number' && Number.isFinite(fraction) ? `${(100 * fraction).toFixed(digits)}` : 'n/a';
}

/** Histogram counts as each bin's share of the set (ID and OOD sets differ in size). */
export function shares(counts: number[]): number[] {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return counts.map((count) => (total > 0 ? count / total : 0));
}

/** The six cells of one scorer x OOD set row: scorer, OOD set, FPR95, AUROC, AUPR-In, AUPR-Out. */
export function metricCells(row: ScorerOodResult): HTMLTableCellElement[] {
  return [
    element('td', undefined, row.scorer),
    element('td', undefined, row.oodSet),
    element('td', 'numeric', percentText(row.fpr95)),
    element('td', 'numeric', percentText(row.auroc)),
    element('td', 'numeric', percentText(row.auprIn)),
    element('td', 'numeric', percentText(row.auprOut)),
  ];
}
