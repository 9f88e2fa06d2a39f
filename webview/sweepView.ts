/**
 * The sweep panel (the paper's Figure 5): the average FPR95 of each tau's run against tau on a
 * logarithmic axis, filling in as each evaluation lands, and a table of every tau with its run,
 * status, average FPR95 / AUROC and ID accuracy. Every number comes from the extension.
 */
import { Chart, type ChartConfiguration } from 'chart.js';
import type { SweepState } from '../src/protocol';
import { chartBox, element, fillTable, tableRow } from './dom';
import { applyThemeToChart, countPaintedPixels, settledRenderPlugin } from './lineChart';
import { percentText } from './metricCells';
import { readThemeColors } from './themeColors';
import { renderProbes, vscodeApi } from './vscodeApi';

type Point = { x: number; y: number };

export class SweepView {
  private readonly title = element('h1');
  private readonly statusBadge = document.createElement('vscode-badge');
  private readonly cancelButton = document.createElement('vscode-button');
  private readonly source = element('p', 'source');
  private readonly chart = chartBox('Average FPR95 against tau', 'sweep-chart', 'Average FPR95 of each tau');
  private readonly emptyChart = element('p', 'empty-chart', 'No tau evaluated yet: points appear as each run is trained and evaluated.');
  private readonly table = element('table', 'metrics sweep');
  private lineChart: Chart<'line', Point[]> | undefined;
  /** The sweep's taus: the x axis shows these as its ticks, from the smallest to the largest. */
  private taus: number[] = [];

  constructor(root: HTMLElement) {
    this.cancelButton.textContent = 'Cancel sweep';
    this.cancelButton.addEventListener('click', () => vscodeApi.postMessage({ type: 'cancelSweep' }));
    const header = element('header');
    header.append(this.title, this.statusBadge, this.cancelButton);
    root.replaceChildren(header, this.source, this.chart.box, this.emptyChart, element('h2', undefined, 'Runs of the sweep'), this.table);
  }

  show(state: SweepState): void {
    this.title.textContent = state.title;
    this.statusBadge.textContent = state.status;
    this.cancelButton.hidden = !state.cancellable;
    this.source.textContent = state.source;
    const points = state.points.flatMap((point) => (point.averageFpr95 === null ? [] : [{ x: point.tau, y: point.averageFpr95 }]));
    this.emptyChart.hidden = points.length > 0;
    this.drawChart(state, points);
    fillTable(
      this.table,
      ['tau', 'run', 'status', `FPR95 ${state.scorer} avg ↓`, `AUROC ${state.scorer} avg ↑`, 'ID accuracy'].map((label) => element('th', label === 'run' || label === 'status' ? undefined : 'numeric', label)),
      state.points.map((point) =>
        tableRow(
          element('td', 'numeric', String(point.tau)),
          element('td', undefined, point.runId ?? '-'),
          element('td', undefined, point.error ? `${point.status}: ${point.error}` : point.status),
          element('td', 'numeric', point.averageFpr95 === null ? '-' : percentText(point.averageFpr95)),
          element('td', 'numeric', point.averageAuroc === null ? '-' : percentText(point.averageAuroc)),
          element('td', 'numeric', point.idAccuracy === null ? '-' : percentText(point.idAccuracy)),
        ),
      ),
    );
  }

  private drawChart(state: SweepState, points: Point[]): void {
    const colors = readThemeColors();
    const dataset = {
      label: `average FPR95 (${state.scorer}) over ${state.oodSets.join(', ')}`,
      data: points.map((point) => ({ x: point.x, y: 100 * point.y })),
      borderColor: colors.series('ood'),
      backgroundColor: colors.series('ood'),
      borderWidth: 2,
      pointRadius: 4,
    };
    this.taus = state.points.map((point) => point.tau);
    if (this.lineChart) {
      const x = this.lineChart.options.scales?.x;
      if (x) {
        x.min = Math.min(...this.taus);
        x.max = Math.max(...this.taus);
      }
      this.lineChart.data.datasets = [dataset];
      applyThemeToChart(this.lineChart as unknown as Chart, colors);
      return;
    }
    const canvas = this.chart.canvas;
    const config: ChartConfiguration<'line', Point[]> = {
      type: 'line',
      data: { datasets: [dataset] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        parsing: false,
        scales: {
          x: {
            type: 'logarithmic',
            min: Math.min(...this.taus),
            max: Math.max(...this.taus),
            title: { display: true, text: 'tau (log scale)' },
            // One tick per tau of the sweep, labelled as typed, instead of the log scale's own.
            afterBuildTicks: (axis) => {
              axis.ticks = this.taus.map((value) => ({ value }));
            },
            ticks: { callback: (value: string | number) => String(Number(value)) },
          },
          y: { title: { display: true, text: 'FPR95 (%)' }, beginAtZero: true },
        },
        plugins: { legend: { position: 'bottom' } },
      },
      plugins: renderProbes
        ? [
            settledRenderPlugin(() => {
              const drawn = this.lineChart?.data.datasets[0]?.data.length ?? 0;
              if (drawn > 0) vscodeApi.postMessage({ type: 'sweepRendered', paintedPixels: countPaintedPixels(canvas), pointCount: drawn });
            }),
          ]
        : [],
    };
    this.lineChart = new Chart(canvas, config);
    applyThemeToChart(this.lineChart as unknown as Chart, colors);
  }

  applyTheme(): void {
    if (this.lineChart) applyThemeToChart(this.lineChart as unknown as Chart);
  }
}
