/**
 * The webview of the panels (run dashboard, evaluation, compare, tau sweep) and of the sidebar's Metrics view. It computes nothing: it posts `ready`
 * once, then draws whatever whole state the extension sends (src/protocol.ts), and keeps the
 * view state VS Code needs to bring the panel back after a reload.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ExtensionToWebview } from '../src/protocol';
import './dashboard.css';
import { CompareView } from './compareView';
import { DashboardView } from './dashboardView';
import { element } from './dom';
import { EvaluationView } from './evaluationView';
import { MetricsView } from './metricsView';
import { SweepView } from './sweepView';
import { onThemeChange } from './themeColors';
import { vscodeApi } from './vscodeApi';

const app = document.getElementById('app');
if (!app) throw new Error('panel HTML has no #app element');
const root: HTMLElement = app;
const content = element('div');
const errorText = element('p', 'error');
root.replaceChildren(content, errorText);

/** A panel shows one kind of state; its view is made with the first state of that kind. */
let view:
  | { kind: 'dashboard'; view: DashboardView }
  | { kind: 'evaluation'; view: EvaluationView }
  | { kind: 'metrics'; view: MetricsView }
  | { kind: 'compare'; view: CompareView }
  | { kind: 'sweep'; view: SweepView }
  | undefined;
onThemeChange(() => view?.view.applyTheme());

window.addEventListener('message', (event: MessageEvent<ExtensionToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'dashboardState': {
      vscodeApi.setState(message.viewState);
      if (view?.kind !== 'dashboard') view = { kind: 'dashboard', view: new DashboardView(content) };
      view.view.show(message.state);
      errorText.textContent = '';
      return;
    }
    case 'batchProgress': {
      if (view?.kind === 'dashboard') view.view.showProgress(message.progress);
      return;
    }
    case 'compareState': {
      vscodeApi.setState(message.viewState);
      if (view?.kind !== 'compare') view = { kind: 'compare', view: new CompareView(content) };
      view.view.show(message.state);
      errorText.textContent = '';
      return;
    }
    case 'sweepState': {
      vscodeApi.setState(message.viewState);
      if (view?.kind !== 'sweep') view = { kind: 'sweep', view: new SweepView(content) };
      view.view.show(message.state);
      errorText.textContent = '';
      return;
    }
    case 'evaluationState': {
      vscodeApi.setState(message.viewState);
      if (view?.kind !== 'evaluation') view = { kind: 'evaluation', view: new EvaluationView(content) };
      view.view.show(message.state);
      errorText.textContent = '';
      return;
    }
    case 'metricsState': {
      if (view?.kind !== 'metrics') view = { kind: 'metrics', view: new MetricsView(content) };
      view.view.show(message.state);
      errorText.textContent = '';
      return;
    }
    case 'error':
      errorText.textContent = message.message;
      return;
    default: {
      const unexpected: never = message;
      console.warn('OOD Lens panel: unknown message', unexpected);
    }
  }
});

vscodeApi.postMessage({ type: 'ready' });
