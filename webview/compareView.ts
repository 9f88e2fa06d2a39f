/**
 * The compare panel: two or more runs side by side as the paper prints them. One row per scorer
 * x OOD set, one "A / B (/ C ...)" cell per metric, the better value marked (bold, with a marker
 * for screen readers); then ID accuracy and ECE. The extension sends the values and which are
 * better; this only formats them as percentages.
 */
import type { CompareCell, CompareState } from '../src/protocol';
import { element, fillTable, keyValueRow, tableRow } from './dom';
import { percentText } from './metricCells';
import { renderProbes, vscodeApi } from './vscodeApi';

/** "12.34 / 5.67": each run's value, the better ones in a marked span. */
function cellContent(cell: CompareCell): HTMLTableCellElement {
  const td = element('td', 'numeric compare-cell');
  cell.values.forEach((value, index) => {
    if (index > 0) td.append(' / ');
    const better = cell.best.includes(index);
    const span = element('span', better ? 'best' : undefined, value === null ? '-' : percentText(value));
    if (better) span.title = 'better';
    td.append(span);
  });
  return td;
}

export class CompareView {
  private readonly title = element('h1');
  private readonly source = element('p', 'source');
  private readonly legend = element('table', 'facts');
  private readonly table = element('table', 'metrics compare');
  private readonly summary = element('table', 'metrics compare compare-summary');

  constructor(root: HTMLElement) {
    root.replaceChildren(
      this.title,
      this.source,
      this.legend,
      element('h2', undefined, 'OOD detection (percent; bold = better: lower FPR95, higher AUROC / AUPR)'),
      this.table,
      element('h2', undefined, 'ID accuracy and calibration (percent; bold = better)'),
      this.summary,
    );
  }

  show(state: CompareState): void {
    this.title.textContent = state.title;
    this.source.textContent = state.source;
    const letters = state.runs.map((run) => run.letter).join(' / ');
    this.legend.replaceChildren(...state.runs.map((run) => keyValueRow(run.letter, `${run.runId} · ${run.description}${run.checkpointEpoch > 0 ? ` · checkpoint epoch ${run.checkpointEpoch}` : ''}`)));
    const arrow = (better: 'lower' | 'higher') => (better === 'lower' ? '↓' : '↑');
    fillTable(
      this.table,
      [element('th', undefined, 'scorer'), element('th', undefined, 'OOD set'), ...state.metrics.map((metric) => element('th', 'numeric', `${metric.label} ${arrow(metric.better)} (${letters})`))],
      state.rows.map((row) => tableRow(element('td', undefined, row.scorer), element('td', undefined, row.oodSet), ...row.cells.map(cellContent))),
    );
    fillTable(
      this.summary,
      [element('th', undefined, 'metric'), element('th', 'numeric', letters)],
      state.summary.map((entry) => tableRow(element('td', undefined, `${entry.label} ${arrow(entry.better)}`), cellContent(entry.cell))),
    );
    if (renderProbes) {
      const marked = [...state.rows.flatMap((row) => row.cells), ...state.summary.map((entry) => entry.cell)].reduce((sum, cell) => sum + cell.best.length, 0);
      vscodeApi.postMessage({ type: 'compareRendered', rowCount: state.rows.length + state.summary.length, markedCount: marked });
    }
  }

  applyTheme(): void {
    // Colours come from CSS variables; nothing to redraw.
  }
}
