/**
 * The sidebar's Metrics view: the selected evaluation's table (scorer x OOD set: FPR95, AUROC,
 * AUPR-In, AUPR-Out; ID accuracy and ECE above it) and a small ID vs OOD histogram of the row the
 * user clicks. Numbers as the file holds them; the histogram shows each set's share per bin.
 */
import { Chart, type ChartConfiguration } from 'chart.js';
import type { MetricsViewState } from '../src/protocol';
import { element } from './dom';
import { metricCells, percentText, shares } from './metricCells';
import { applyThemeToChart, countPaintedPixels } from './lineChart';
import { readThemeColors } from './themeColors';
import { renderProbes, vscodeApi } from './vscodeApi';



export class MetricsView {
  private readonly title = element('h2');
  private readonly hint = element('p', 'source');
  private readonly facts = element('p', 'source');
  private readonly table = element('table', 'metrics compact');
  private readonly histogramTitle = element('h3');
  private readonly histogramBox = element('div', 'chart-box mini');
  private readonly canvas = element('canvas', 'metrics-histogram');
  private chart: Chart | undefined;
  private state: MetricsViewState | undefined;
  private selectedRow = 0;

  constructor(root: HTMLElement) {
    this.canvas.setAttribute('role', 'img');
    this.histogramBox.append(this.canvas);
    root.replaceChildren(this.title, this.hint, this.facts, this.table, this.histogramTitle, this.histogramBox);
    document.body.classList.add('sidebar-view');
  }

  show(state: MetricsViewState): void {
    this.state = state;
    this.selectedRow = state.selectedRow;
    this.title.textContent = state.title;
    this.hint.textContent = state.hint ?? '';
    this.hint.hidden = !state.hint;
    const evaluation = state.evaluation;
    this.facts.hidden = !evaluation;
    this.table.hidden = !evaluation;
    this.histogramTitle.hidden = !evaluation;
    this.histogramBox.hidden = !evaluation;
    if (!evaluation) {
      this.chart?.destroy();
      this.chart = undefined;
      if (renderProbes) vscodeApi.postMessage({ type: 'metricsRendered', rowCount: 0, paintedPixels: 0 });
      return;
    }
    this.facts.textContent = `ID ${evaluation.idDataset}: accuracy ${percentText(evaluation.idAccuracy)}% · ECE ${percentText(evaluation.calibration.ece)}% (${percentText(evaluation.calibration.eceTemperatureScaled)}% after temperature scaling)`;
    this.render();
  }

  private render(): void {
    const evaluation = this.state?.evaluation;
    if (!evaluation) return;
    const head = element('tr');
    for (const label of ['scorer', 'OOD', 'FPR95↓', 'AUROC↑', 'AUPR-In', 'AUPR-Out']) head.append(element('th', label === 'scorer' || label === 'OOD' ? undefined : 'numeric', label));
    const rows = evaluation.results.map((result, index) => {
      const row = element('tr', index === this.selectedRow ? 'selected' : undefined);
      row.tabIndex = 0;
      row.append(...metricCells(result));
      const choose = () => {
        this.selectedRow = index;
        this.render();
      };
      row.addEventListener('click', choose);
      row.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') choose();
      });
      return row;
    });
    const thead = element('thead');
    thead.append(head);
    const tbody = element('tbody');
    tbody.append(...rows);
    this.table.replaceChildren(thead, tbody);
    const selected = evaluation.results[Math.min(this.selectedRow, evaluation.results.length - 1)];
    if (!selected) return;
    this.histogramTitle.textContent = `${selected.scorer}: ID vs ${selected.oodSet}`;
    this.canvas.setAttribute('aria-label', `${selected.scorer} scores, ID vs ${selected.oodSet}`);
    const colors = readThemeColors();
    const edges = selected.histogram.id.edges;
    const config: ChartConfiguration<'bar', number[], string> = {
      type: 'bar',
      data: {
        labels: selected.histogram.id.counts.map((_, bin) => ((edges[bin] + edges[bin + 1]) / 2).toPrecision(3)),
        datasets: [
          { label: 'ID', data: shares(selected.histogram.id.counts), backgroundColor: colors.series('test'), barPercentage: 1, categoryPercentage: 1 },
          { label: selected.oodSet, data: shares(selected.histogram.ood.counts), backgroundColor: colors.series('ood'), barPercentage: 1, categoryPercentage: 1 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { ticks: { maxTicksLimit: 5 } }, y: { beginAtZero: true, ticks: { maxTicksLimit: 4 } } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 10 } } },
      },
    };
    this.chart?.destroy();
    this.chart = new Chart(this.canvas, config) as unknown as Chart;
    applyThemeToChart(this.chart, colors);
    if (renderProbes) window.setTimeout(() => vscodeApi.postMessage({ type: 'metricsRendered', rowCount: evaluation.results.length, paintedPixels: countPaintedPixels(this.canvas) }), 200);
  }

  applyTheme(): void {
    if (this.chart) applyThemeToChart(this.chart);
  }
}
