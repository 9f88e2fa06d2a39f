/**
 * The run dashboard: the mean logit norm of ID train, ID test and the OOD probe per epoch (the
 * paper's Figure 1), training loss, train / test accuracy and the learning rate, all from the
 * run's history.jsonl as the extension sent it. Redrawn whole with every state.
 */
import type { BatchProgress, DashboardState } from '../src/protocol';
import { chartBox, element, keyValueRow } from './dom';
import { LineChart } from './lineChart';
import { vscodeApi } from './vscodeApi';
import { learningRateText } from '../src/numberText';

export class DashboardView {
  private readonly title = element('h1');
  private readonly statusBadge = document.createElement('vscode-badge');
  private readonly revealButton = document.createElement('vscode-button');
  private readonly source = element('p', 'source');
  private readonly sampleNote = element('p', 'sample-note', 'These numbers are a fixed sample, not a run of yours.');
  private readonly emptyChart = element('p', 'empty-chart', 'No epochs recorded yet.');
  private readonly facts = element('table', 'facts');
  private readonly logitNorm = chartBox('Mean logit norm per epoch', 'logit-norm-chart', 'Mean logit norm per epoch');
  private readonly loss = chartBox('Training loss', 'loss-chart', 'Training loss per epoch', 'chart-box small');
  private readonly accuracy = chartBox('Accuracy', 'accuracy-chart', 'Train and test accuracy per epoch', 'chart-box small');
  private readonly learningRate = chartBox('Learning rate', 'lr-chart', 'Learning rate per epoch', 'chart-box small');
  private readonly trainingCharts = element('div', 'chart-grid');
  /** The running job's current batch: a bar over the epoch's steps and a line of numbers. */
  private readonly progressBox = element('section', 'batch-progress');
  private readonly progressFill = element('div', 'batch-progress-fill');
  private readonly progressText = element('p', 'batch-progress-text');
  /** Made with the first state, so a drawn canvas always means drawn data, never empty axes. */
  private charts: { logitNorm: LineChart; loss: LineChart; accuracy: LineChart; learningRate: LineChart } | undefined;

  constructor(root: HTMLElement) {
    this.revealButton.textContent = 'Reveal run folder';
    this.revealButton.addEventListener('click', () => vscodeApi.postMessage({ type: 'openRunFolder' }));
    const header = element('header');
    header.append(this.title, this.statusBadge, this.revealButton);
    this.trainingCharts.append(this.loss.box, this.accuracy.box, this.learningRate.box);
    const bar = element('div', 'batch-progress-bar');
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.append(this.progressFill);
    this.progressBox.append(bar, this.progressText);
    this.progressBox.hidden = true;
    root.replaceChildren(header, this.source, this.sampleNote, this.progressBox, this.logitNorm.box, this.emptyChart, this.trainingCharts, this.facts);
  }

  /** The running job's latest batch, or null: the job ended and the bar goes. */
  showProgress(progress: BatchProgress | null): void {
    this.progressBox.hidden = progress === null;
    if (!progress) return;
    const fraction = progress.totalSteps > 0 ? Math.min(1, progress.step / progress.totalSteps) : 0;
    this.progressFill.style.width = `${(100 * fraction).toFixed(1)}%`;
    const bar = this.progressFill.parentElement;
    bar?.setAttribute('aria-valuemax', String(progress.totalSteps));
    bar?.setAttribute('aria-valuenow', String(progress.step));
    const parts = [
      `epoch ${progress.epoch}${progress.totalEpochs ? `/${progress.totalEpochs}` : ''}`,
      `step ${progress.step}/${progress.totalSteps}`,
    ];
    if (progress.loss !== undefined) parts.push(`loss ${progress.loss.toFixed(4)}`);
    if (progress.imagesPerSecond !== undefined) parts.push(`${Math.round(progress.imagesPerSecond)} images/s`);
    if (progress.etaSeconds !== undefined && Number.isFinite(progress.etaSeconds)) parts.push(`ETA ${Math.ceil(progress.etaSeconds)} s`);
    this.progressText.textContent = `Training: ${parts.join(' · ')}`;
  }

  show(state: DashboardState): void {
    this.title.textContent = state.title;
    this.statusBadge.textContent = state.isSample ? 'sample' : (state.status ?? 'unknown');
    this.revealButton.hidden = state.isSample;
    this.source.textContent = state.source;
    this.sampleNote.hidden = !state.isSample;
    this.emptyChart.hidden = state.epochs.length > 0;
    this.trainingCharts.hidden = state.loss.length === 0;
    this.charts ??= {
      logitNorm: new LineChart(this.logitNorm.canvas, {
        yTitle: 'mean logit norm ||f(x)||',
        beginAtZero: true,
        onRendered: (paintedPixels, epochCount) => vscodeApi.postMessage({ type: 'chartRendered', paintedPixels, epochCount }),
      }),
      loss: new LineChart(this.loss.canvas, { yTitle: 'loss', beginAtZero: true }),
      accuracy: new LineChart(this.accuracy.canvas, { yTitle: 'accuracy', percent: true }),
      learningRate: new LineChart(this.learningRate.canvas, { yTitle: 'learning rate', beginAtZero: true, tickText: learningRateText }),
    };
    this.charts.logitNorm.show(state.epochs, state.logitNorm);
    this.charts.loss.show(state.epochs, state.loss);
    this.charts.accuracy.show(state.epochs, state.accuracy);
    this.charts.learningRate.show(state.epochs, state.learningRate);
    this.facts.replaceChildren(
      ...state.facts.map(({ key, value }) => keyValueRow(key, value)),
    );
  }

  applyTheme(): void {
    if (!this.charts) return;
    for (const chart of Object.values(this.charts)) chart.applyTheme();
  }
}
