/**
 * The evaluation panel: for one evaluation file, the ID vs OOD score histograms of every scorer
 * and OOD set (the paper's Figure 4; the file holds both on one shared range), the metric table
 * (sortable; Table 1 / 2), and the reliability diagram before and after temperature scaling with
 * both ECEs (Table 4). Every number comes from the file; the histograms are drawn as the share of
 * each set's images per bin so ID and OOD sets of different sizes sit on one axis.
 */
import { Chart, type ChartConfiguration } from 'chart.js';
import type { ReliabilityBinData, ScorerOodResult } from '../src/core/evaluate/results';
import type { EvaluationPanelState } from '../src/protocol';
import { element, keyValueRow } from './dom';
import { metricCells, percentText, shares } from './metricCells';
import { applyThemeToChart, countPaintedPixels } from './lineChart';
import { readThemeColors } from './themeColors';
import { renderProbes, vscodeApi } from './vscodeApi';

type SortKey = 'scorer' | 'oodSet' | 'fpr95' | 'auroc' | 'auprIn' | 'auprOut';

const COLUMNS: Array<{ key: SortKey; label: string; better?: 'lower' | 'higher' }> = [
  { key: 'scorer', label: 'scorer' },
  { key: 'oodSet', label: 'OOD set' },
  { key: 'fpr95', label: 'FPR95 ↓', better: 'lower' },
  { key: 'auroc', label: 'AUROC ↑', better: 'higher' },
  { key: 'auprIn', label: 'AUPR-In ↑', better: 'higher' },
  { key: 'auprOut', label: 'AUPR-Out ↑', better: 'higher' },
];



function binLabels(edges: number[]): string[] {
  const labels: string[] = [];
  for (let index = 0; index + 1 < edges.length; index += 1) labels.push(((edges[index] + edges[index + 1]) / 2).toPrecision(3));
  return labels;
}

export class EvaluationView {
  private readonly title = element('h1');
  private readonly source = element('p', 'source');
  private readonly summary = element('table', 'facts');
  private readonly table = element('table', 'metrics');
  private readonly histograms = element('div', 'histogram-grid');
  private readonly reliabilityHeading = element('h2', undefined, 'Reliability diagram');
  private readonly reliabilityBox = element('div', 'chart-box');
  private readonly reliabilityCanvas = element('canvas');
  private charts: Chart[] = [];
  private rows: ScorerOodResult[] = [];
  private sortKey: SortKey = 'scorer';
  private sortDescending = false;
  private reportTimer: number | undefined;

  constructor(root: HTMLElement) {
    const revealButton = document.createElement('vscode-button');
    revealButton.textContent = 'Reveal run folder';
    revealButton.addEventListener('click', () => vscodeApi.postMessage({ type: 'openRunFolder' }));
    const header = element('header');
    header.append(this.title, revealButton);
    this.reliabilityCanvas.id = 'reliability-chart';
    this.reliabilityCanvas.setAttribute('role', 'img');
    this.reliabilityCanvas.setAttribute('aria-label', 'Reliability diagram before and after temperature scaling');
    this.reliabilityBox.append(this.reliabilityCanvas);
    root.replaceChildren(
      header,
      this.source,
      this.summary,
      element('h2', undefined, 'OOD detection (ID = positive class; percent)'),
      this.table,
      element('h2', undefined, 'Score histograms: ID test vs OOD, share of each set per bin'),
      this.histograms,
      this.reliabilityHeading,
      this.reliabilityBox,
    );
  }

  show(state: EvaluationPanelState): void {
    const evaluation = state.evaluation;
    this.title.textContent = state.title;
    this.source.textContent = state.source;
    const calibration = evaluation.calibration;
    const facts: Array<[string, string]> = [
      ['ID test set', `${evaluation.idDataset}, ${evaluation.idCount} images`],
      ['ID accuracy', `${percentText(evaluation.idAccuracy)}%`],
      ['ECE (15 bins)', `${percentText(calibration.ece)}%, after temperature scaling ${percentText(calibration.eceTemperatureScaled)}% (T = ${calibration.temperature.toPrecision(4)}, fitted on ${calibration.validationCount} validation images)`],
      ['mean logit norm', [`ID ${evaluation.logitNorm.id.toFixed(2)}`, ...Object.entries(evaluation.logitNorm.ood).map(([name, norm]) => `${name} ${norm.toFixed(2)}`)].join(' · ')],
      ['training', `${evaluation.train.loss}${evaluation.train.loss === 'logitnorm' ? ` tau=${evaluation.train.tau}` : ''} · ${evaluation.train.arch} · ${evaluation.train.dataset} · seed ${evaluation.train.seed}`],
      ['backend', evaluation.backend.name],
    ];
    const imported = evaluation.imported;
    if (imported) {
      // An imported ONNX model: what was read from it, how its inputs were made, and what could not run.
      const pre = imported.preprocessing;
      facts[2] = ['ECE (15 bins)', `${percentText(calibration.ece)}%, after temperature scaling ${percentText(calibration.eceTemperatureScaled)}% (T = ${calibration.temperature.toPrecision(4)}, fitted on the ID test images)`];
      facts[4] = ['model', `${imported.model.file} · sha256 ${imported.model.sha256.slice(0, 12)} · final layer ${imported.finalLayer ?? 'none'} · features ${imported.features ?? 'none'}`];
      facts.push(['preprocessing', `${pre.layout.toUpperCase()} ${pre.height}x${pre.width}x${pre.channels} · mean ${pre.mean.join(', ')} · std ${pre.std.join(', ')}`]);
      for (const skipped of imported.skipped) facts.push([`${skipped.scorer}: not run`, skipped.reason]);
      for (const note of imported.notes) facts.push(['note', note]);
    }
    this.summary.replaceChildren(
      ...facts.map(([key, value]) => keyValueRow(key, value)),
    );
    this.rows = evaluation.results;
    this.renderTable();
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    this.renderHistograms(evaluation.results);
    this.reliabilityHeading.textContent = `Reliability diagram: ECE ${percentText(calibration.ece)}% before, ${percentText(calibration.eceTemperatureScaled)}% after temperature scaling`;
    this.charts.push(this.reliabilityChart(calibration.reliability, calibration.reliabilityTemperatureScaled));
    this.reportWhenDrawn();
  }

  private renderTable(): void {
    const head = element('tr');
    for (const column of COLUMNS) {
      const cell = element('th', column.better ? 'numeric sortable' : 'sortable', column.label);
      cell.tabIndex = 0;
      cell.setAttribute('aria-sort', this.sortKey === column.key ? (this.sortDescending ? 'descending' : 'ascending') : 'none');
      const sortBy = () => {
        this.sortDescending = this.sortKey === column.key ? !this.sortDescending : false;
        this.sortKey = column.key;
        this.renderTable();
      };
      cell.addEventListener('click', sortBy);
      cell.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') sortBy();
      });
      head.append(cell);
    }
    const sorted = [...this.rows].sort((a, b) => {
      const left = a[this.sortKey];
      const right = b[this.sortKey];
      const order = typeof left === 'number' && typeof right === 'number' ? left - right : String(left).localeCompare(String(right));
      return this.sortDescending ? -order : order;
    });
    const body = sorted.map((row) => {
      const line = element('tr');
      line.append(...metricCells(row));
      return line;
    });
    const thead = element('thead');
    thead.append(head);
    const tbody = element('tbody');
    tbody.append(...body);
    this.table.replaceChildren(thead, tbody);
  }

  private renderHistograms(results: ScorerOodResult[]): void {
    const colors = readThemeColors();
    this.histograms.replaceChildren();
    for (const [index, row] of results.entries()) {
      const section = element('section', 'chart-section');
      section.append(element('h3', undefined, `${row.scorer}: ${row.oodSet} (FPR95 ${percentText(row.fpr95)}%, AUROC ${percentText(row.auroc)}%)`));
      const box = element('div', 'chart-box small');
      const canvas = element('canvas', 'histogram');
      canvas.id = `histogram-${index}`;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${row.scorer} scores, ID vs ${row.oodSet}`);
      box.append(canvas);
      section.append(box);
      this.histograms.append(section);
      const config: ChartConfiguration<'bar', number[], string> = {
        type: 'bar',
        data: {
          labels: binLabels(row.histogram.id.edges),
          datasets: [
            { label: 'ID test', data: shares(row.histogram.id.counts), backgroundColor: colors.series('test'), borderWidth: 0, barPercentage: 1, categoryPercentage: 1 },
            { label: `OOD (${row.oodSet})`, data: shares(row.histogram.ood.counts), backgroundColor: colors.series('ood'), borderWidth: 0, barPercentage: 1, categoryPercentage: 1 },
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: {
            x: { title: { display: true, text: `${row.scorer} score (higher = more ID)` }, ticks: { maxTicksLimit: 8 } },
            y: { title: { display: true, text: 'share of images' }, beginAtZero: true, ticks: { callback: (value: string | number) => `${Math.round(100 * Number(value))}%` } },
          },
          plugins: { legend: { position: 'bottom' } },
        },
      };
      const chart = new Chart(canvas, config);
      applyThemeToChart(chart as unknown as Chart, colors);
      this.charts.push(chart as unknown as Chart);
    }
  }

  private reliabilityChart(before: ReliabilityBinData[], after: ReliabilityBinData[]): Chart {
    const colors = readThemeColors();
    const labels = before.map((bin) => `${bin.lower.toFixed(2)}-${bin.upper.toFixed(2)}`);
    const config: ChartConfiguration<'bar' | 'line', Array<number | null>, string> = {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: 'accuracy', data: before.map((bin) => bin.accuracy), backgroundColor: colors.series('train') },
          { type: 'bar', label: 'accuracy, temperature-scaled', data: after.map((bin) => bin.accuracy), backgroundColor: colors.series('accuracy') },
          { type: 'line', label: 'mean confidence in the bin', data: before.map((bin) => bin.meanConfidence), borderColor: colors.series('loss'), backgroundColor: colors.series('loss'), spanGaps: true, pointRadius: 3 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { title: { display: true, text: 'confidence bin (max softmax probability)' } },
          y: { title: { display: true, text: 'accuracy' }, min: 0, max: 1 },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    };
    const chart = new Chart(this.reliabilityCanvas, config);
    applyThemeToChart(chart as unknown as Chart, colors);
    return chart as unknown as Chart;
  }

  /** Tells the extension how many histogram canvases have pixels once drawing has settled. */
  private reportWhenDrawn(attempt = 0): void {
    if (!renderProbes) return;
    if (this.reportTimer !== undefined) window.clearTimeout(this.reportTimer);
    this.reportTimer = window.setTimeout(() => {
      const canvases = Array.from(this.histograms.querySelectorAll('canvas'));
      const painted = canvases.filter((canvas) => countPaintedPixels(canvas) > 0).length;
      if (painted < canvases.length && attempt < 10) {
        this.reportWhenDrawn(attempt + 1);
        return;
      }
      vscodeApi.postMessage({ type: 'histogramsRendered', canvasCount: canvases.length, paintedCanvasCount: painted });
    }, 200);
  }

  applyTheme(): void {
    for (const chart of this.charts) applyThemeToChart(chart);
  }
}
