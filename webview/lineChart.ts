/**
 * A line chart of values per epoch (logit norms, loss, accuracy, learning rate), drawn with
 * Chart.js from series the extension sent. Only the pieces of Chart.js in use are registered.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';
import type { ChartSeries } from '../src/protocol';
import { readThemeColors, type ThemeColors } from './themeColors';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale, CategoryScale, Legend, Tooltip);

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

/** Calls `onSettled` once drawing has been quiet for a moment after a render. */
export function settledRenderPlugin(onSettled: () => void): Plugin {
  let timer: number | undefined;
  return {
    id: 'oodLensReportRendered',
    afterRender: () => {
      if (timer !== undefined) window.clearTimeout(timer);
      timer = window.setTimeout(onSettled, RENDER_SETTLE_MILLISECONDS);
    },
  };
}

/** Theme colours onto a chart's axes and legend. */
export function applyThemeToChart(chart: Chart, colors: ThemeColors = readThemeColors()): void {
  Chart.defaults.color = colors.foreground;
  Chart.defaults.font.family = colors.fontFamily;
  const options = chart.options;
  for (const scale of Object.values(options.scales ?? {})) {
    if (!scale) continue;
    scale.grid = { ...scale.grid, color: colors.gridLines };
    scale.ticks = { ...scale.ticks, color: colors.foreground };
    if ('title' in scale && scale.title) scale.title.color = colors.foreground;
  }
  if (options.plugins?.legend?.labels) options.plugins.legend.labels.color = colors.foreground;
  chart.update();
}

export interface LineChartOptions {
  yTitle: string;
  beginAtZero?: boolean;
  /** Percent axis for fractions in [0, 1]. */
  percent?: boolean;
  logarithmic?: boolean;
  /** How the y axis writes its ticks (the learning rate: 5e-5, not 5.00000E-5). */
  tickText?: (value: number) => string;
  /** Called with the painted-pixel and epoch counts once drawing has settled after each update. */
  onRendered?: (paintedPixels: number, epochCount: number) => void;
}

export class LineChart {
  private readonly chart: Chart<'line', Array<number | null>, string>;

  constructor(private readonly canvas: HTMLCanvasElement, options: LineChartOptions) {
    const onRendered = options.onRendered;
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
          y: options.logarithmic
            ? { type: 'logarithmic', title: { display: true, text: options.yTitle } }
            : {
                title: { display: true, text: options.yTitle },
                beginAtZero: options.beginAtZero ?? false,
                ...(options.percent ? { min: 0, max: 1, ticks: { callback: (value: string | number) => `${Math.round(100 * Number(value))}%` } } : {}),
                ...(options.tickText && !options.percent ? { ticks: { callback: (value: string | number) => options.tickText?.(Number(value)) ?? String(value) } } : {}),
              },
        },
        plugins: { legend: { position: 'bottom' } },
      },
      plugins: onRendered ? [settledRenderPlugin(() => onRendered(countPaintedPixels(this.canvas), this.chart.data.labels?.length ?? 0))] : [],
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
    applyThemeToChart(this.chart as unknown as Chart);
  }

  dispose(): void {
    this.chart.destroy();
  }
}
