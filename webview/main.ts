/**
 * The webview of the panels (run dashboard, evaluation, compare, tau sweep) and of the sidebar's Metrics view. It computes nothing: it posts `ready`
 * once, then draws whatever whole state the extension sends (src/protocol.ts), and keeps the
 * view state VS Code needs to bring the panel back after a reload.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ExtensionToWebview, PanelViewState } from '../src/protocol';
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

/** What each panel's view does with the whole state the extension sends it. */
interface StateView<State> {
  show(state: State): void;
  applyTheme(): void;
}

/** A panel shows one kind of state; its view is made with the first state of that kind. */
let current: { kind: ExtensionToWebview['type']; view: StateView<never> } | undefined;
onThemeChange(() => current?.view.applyTheme());

/** Shows `state` in the view of its kind (made now if the panel showed another kind), and keeps the view state for a reload. */
function showState<State>(kind: ExtensionToWebview['type'], make: () => StateView<State>, state: State, viewState?: PanelViewState): void {
  if (viewState) vscodeApi.setState(viewState);
  if (current?.kind !== kind) current = { kind, view: make() };
  (current.view as StateView<State>).show(state);
  errorText.textContent = '';
}

window.addEventListener('message', (event: MessageEvent<ExtensionToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'dashboardState':
      showState(message.type, () => new DashboardView(content), message.state, message.viewState);
      return;
    case 'batchProgress':
      if (current?.view instanceof DashboardView) current.view.showProgress(message.progress);
      return;
    case 'evaluationState':
      showState(message.type, () => new EvaluationView(content), message.state, message.viewState);
      return;
    case 'metricsState':
      showState(message.type, () => new MetricsView(content), message.state);
      return;
    case 'compareState':
      showState(message.type, () => new CompareView(content), message.state, message.viewState);
      return;
    case 'sweepState':
      showState(message.type, () => new SweepView(content), message.state, message.viewState);
      return;
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
