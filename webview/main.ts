/**
 * The dashboard webview. It computes nothing: it posts `ready` once, then draws whatever whole
 * state the extension sends (src/protocol.ts), and keeps the view state VS Code needs to bring
 * the panel back after a reload.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { DashboardState, ExtensionToWebview } from '../src/protocol';
import './dashboard.css';
import { LogitNormChart } from './logitNormChart';
import { onThemeChange } from './themeColors';
import { vscodeApi } from './vscodeApi';

const app = document.getElementById('app');
if (!app) throw new Error('dashboard HTML has no #app element');

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  if (text !== undefined) created.textContent = text;
  return created;
}

/** The parts of the page that stay put; only their content changes with each state. */
const title = element('h1');
const statusBadge = document.createElement('vscode-badge');
const revealButton = document.createElement('vscode-button');
revealButton.textContent = 'Reveal run folder';
revealButton.addEventListener('click', () => vscodeApi.postMessage({ type: 'openRunFolder' }));
const header = element('header');
header.append(title, statusBadge, revealButton);
const source = element('p', 'source');
const sampleNote = element('p', 'sample-note', 'These numbers are a fixed sample, not a run of yours.');
const chartBox = element('div', 'chart-box');
const canvas = element('canvas');
canvas.id = 'logit-norm-chart';
canvas.setAttribute('role', 'img');
canvas.setAttribute('aria-label', 'Mean logit norm per epoch');
chartBox.append(canvas);
const emptyChart = element('p', 'empty-chart', 'No epochs recorded yet.');
const facts = element('table', 'facts');
const errorText = element('p', 'error');

app.replaceChildren(header, source, sampleNote, chartBox, emptyChart, facts, errorText);

/** Made with the first state, so a drawn canvas always means drawn data, never empty axes. */
let chart: LogitNormChart | undefined;
onThemeChange(() => chart?.applyTheme());

function showState(state: DashboardState): void {
  title.textContent = state.title;
  statusBadge.textContent = state.isSample ? 'sample' : (state.status ?? 'unknown');
  revealButton.hidden = state.isSample;
  source.textContent = state.source;
  sampleNote.hidden = !state.isSample;
  emptyChart.hidden = state.epochs.length > 0;
  chart ??= new LogitNormChart(canvas, (paintedPixels, epochCount) => vscodeApi.postMessage({ type: 'chartRendered', paintedPixels, epochCount }));
  chart.show(state.epochs, state.logitNorm);
  facts.replaceChildren(
    ...state.facts.map(({ key, value }) => {
      const row = element('tr');
      row.append(element('th', undefined, key), element('td', undefined, value));
      return row;
    }),
  );
  errorText.textContent = '';
}

window.addEventListener('message', (event: MessageEvent<ExtensionToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'dashboardState':
      vscodeApi.setState(message.viewState);
      showState(message.state);
      return;
    case 'error':
      errorText.textContent = message.message;
      return;
    default: {
      const unexpected: never = message;
      console.warn('OOD Lens dashboard: unknown message', unexpected);
    }
  }
});

vscodeApi.postMessage({ type: 'ready' });
