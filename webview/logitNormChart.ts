/**
 * The logit-norm-per-epoch line chart, drawn with Chart.js from series the extension sent.
 * Only the pieces of Chart.js it uses are registered, so the bundle stays small.
 */
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';
import type { ChartSeries } from '../src/protocol';
import { readThemeColors } from './themeColors';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

/** Counts canvas pixels that are not fully transparent: proof that something was drawn. */
export function countPaintedPixels(canvas: HTMLCanvasElement): number {
  const context = canvas.getContext('2d');
  if (!context || canvas.width === 0 || canvas.height === 0) return 0;
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let alphaIndex = 3; alphaIndex < pixels.length; alphaIndex += 4) {
    if (pixels[alphaIndex] !== 0) painted += 1;
  }
  return painted;
}

const RENDER_SETTLE_MILLISECONDS = 150;

export class LogitNormChart {
  private readonly chart: Chart<'line', Array<number | null>, string>;
  private settleTimer: number | undefined;

  /** `onRendered` gets the painted-pixel and epoch counts once drawing has settled after each update. */
  constructor(canvas: HTMLCanvasElement, private readonly onRendered: (paintedPixels: number, epochCount: number) => void) {
    const reportWhenSettled: Plugin<'line'> = {
      id: 'oodLensReportRendered',
      afterRender: () => {
        if (this.settleTimer !== undefined) window.clearTimeout(this.settleTimer);
        this.settleTimer = window.setTimeout(() => this.onRendered(countPaintedPixels(canvas), this.chart.data.labels?.length ?? 0), RENDER_SETTLE_MILLISECONDS);
      },
    };
    const config: ChartConfiguration<'line', Array<number | null>, string> = {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: { duration: 250 },
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { title: { display: true, text: 'epoch' } },
          y: { title: { display: true, text: 'mean logit norm ||f(x)||' }, beginAtZero: true },
        },
        plugins: { legend: { position: 'bottom' } },
      },
      plugins: [reportWhenSettled],
    };
    this.chart = new Chart(canvas, config);
  }

  show(epochs: number[], series: ChartSeries[]): void {
    const colors = readThemeColors();
    this.chart.data.labels = epochs.map(String);
    this.chart.data.datasets = series.map((line) => ({
      label: line.label,
      data: line.values,
      borderColor: colors.series(line.colorRole),
      backgroundColor: colors.series(line.colorRole),
      borderWidth: 2,
      pointRadius: 3,
      spanGaps: true,
    }));
    this.applyTheme();
  }

  /** Re-reads the theme's colours (after a theme switch) and redraws. */
  applyTheme(): void {
    const colors = readThemeColors();
    Chart.defaults.color = colors.foreground;
    Chart.defaults.font.family = colors.fontFamily;
    const options = this.chart.options;
    for (const scale of [options.scales?.x, options.scales?.y]) {
      if (!scale) continue;
      scale.grid = { ...scale.grid, color: colors.gridLines };
      scale.ticks = { ...scale.ticks, color: colors.foreground };
      if ('title' in scale && scale.title) scale.title.color = colors.foreground;
    }
    if (options.plugins?.legend?.labels) options.plugins.legend.labels.color = colors.foreground;
    this.chart.update();
  }

  dispose(): void {
    if (this.settleTimer !== undefined) window.clearTimeout(this.settleTimer);
    this.chart.destroy();
  }
}
