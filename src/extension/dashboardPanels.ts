/**
 * Run dashboards: one webview panel per run folder (or one for the sample chart), each drawing
 * the logit norm per epoch with Chart.js. The webview posts `ready`; the panel answers with the
 * whole state read from disk, and again whenever the run store changes. Panels come back after
 * a reload through the WebviewPanelSerializer registered at activation.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DashboardViewState } from '../protocol';
import { COMMAND_IDS, DASHBOARD_VIEW_TYPE } from './commandIds';
import { dashboardStateOfRun, sampleDashboardState } from './dashboardState';
import { OwnedWebviewPanel, type PanelMessage } from './ownedWebviewPanel';

/** The built webview assets; the only folder a dashboard webview may load from. */
export const WEBVIEW_ASSETS_FOLDER = ['dist', 'webview'] as const;

/** Reported by a webview after Chart.js drew: how many canvas pixels are not transparent. */
export interface ChartRenderedReport {
  runDir: string | undefined;
  paintedPixels: number;
  /** How many epochs the drawn chart holds. */
  epochCount: number;
}

const SAMPLE_KEY = '<sample>';

function panelKey(runDir: string | undefined): string {
  return runDir ?? SAMPLE_KEY;
}

function panelTitle(runDir: string | undefined): string {
  return runDir ? `OOD Lens: ${path.basename(runDir)}` : 'OOD Lens: sample chart';
}

class DashboardPanel extends OwnedWebviewPanel {
  constructor(
    webviewPanel: vscode.WebviewPanel,
    readonly runDir: string | undefined,
    assetsRoot: vscode.Uri,
    private readonly onChartRendered: (report: ChartRenderedReport) => void,
    onDisposed: (panel: DashboardPanel) => void,
  ) {
    super(webviewPanel, panelTitle(runDir), assetsRoot, () => onDisposed(this));
  }

  protected onMessage(message: PanelMessage): void {
    switch (message.type) {
      case 'chartRendered':
        this.onChartRendered({ runDir: this.runDir, paintedPixels: message.paintedPixels, epochCount: message.epochCount });
        return;
      case 'histogramsRendered':
      case 'metricsRendered':
        // only the evaluation panel draws histograms
        return;
      case 'openRunFolder':
        if (this.runDir) void vscode.commands.executeCommand(COMMAND_IDS.revealInExplorer, vscode.Uri.file(this.runDir));
        return;
      default: {
        const unexpected: never = message;
        console.warn(`OOD Lens: dashboard webview sent an unknown message ${JSON.stringify(unexpected)}`);
      }
    }
  }

  /** Reads the run from disk and sends the whole state. */
  protected async postState(): Promise<void> {
    const viewState: DashboardViewState = { runDir: this.runDir };
    try {
      const state = this.runDir ? await dashboardStateOfRun(this.runDir) : sampleDashboardState();
      this.post({ type: 'dashboardState', state, viewState });
    } catch (error) {
      this.post({ type: 'error', message: `Could not read ${this.runDir ?? 'the sample'}: ${String(error)}` });
    }
  }
}

/** Owns every open dashboard panel; disposed with the extension. */
export class DashboardPanels implements vscode.Disposable {
  private readonly panels = new Map<string, DashboardPanel>();
  private readonly chartRenderedEmitter = new vscode.EventEmitter<ChartRenderedReport>();
  readonly onDidRenderChart: vscode.Event<ChartRenderedReport> = this.chartRenderedEmitter.event;
  private readonly assetsRoot: vscode.Uri;

  constructor(extensionUri: vscode.Uri) {
    this.assetsRoot = vscode.Uri.joinPath(extensionUri, ...WEBVIEW_ASSETS_FOLDER);
  }

  /** Shows the dashboard of `runDir` (the sample chart when undefined), opening it if needed. */
  show(runDir: string | undefined, options: { preserveFocus?: boolean } = {}): vscode.WebviewPanel {
    const existing = this.panels.get(panelKey(runDir));
    if (existing) {
      existing.webviewPanel.reveal(undefined, options.preserveFocus);
      return existing.webviewPanel;
    }
    const webviewPanel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      panelTitle(runDir),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: options.preserveFocus ?? false },
      { enableScripts: true, localResourceRoots: [this.assetsRoot] },
    );
    this.adopt(webviewPanel, runDir);
    return webviewPanel;
  }

  /** Takes over a panel VS Code restored after a reload (see the serializer below). */
  revive(webviewPanel: vscode.WebviewPanel, viewState: DashboardViewState | undefined): void {
    const runDir = typeof viewState?.runDir === 'string' ? viewState.runDir : undefined;
    const existing = this.panels.get(panelKey(runDir));
    if (existing) existing.dispose();
    webviewPanel.title = panelTitle(runDir);
    this.adopt(webviewPanel, runDir);
  }

  /** Closes the dashboard of a run (its folder is being deleted). */
  close(runDir: string): void {
    this.panels.get(panelKey(runDir))?.dispose();
  }

  /** Re-sends every open panel's state, read from disk again. */
  refreshAll(): void {
    for (const panel of this.panels.values()) void panel.sendState();
  }

  private adopt(webviewPanel: vscode.WebviewPanel, runDir: string | undefined): void {
    const panel = new DashboardPanel(
      webviewPanel,
      runDir,
      this.assetsRoot,
      (report) => this.chartRenderedEmitter.fire(report),
      (closed) => {
        if (this.panels.get(panelKey(closed.runDir)) === closed) this.panels.delete(panelKey(closed.runDir));
      },
    );
    this.panels.set(panelKey(runDir), panel);
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
    this.chartRenderedEmitter.dispose();
  }
}

/** Brings dashboards back after a window reload, reading their run from disk again. */
export class DashboardPanelSerializer implements vscode.WebviewPanelSerializer<DashboardViewState> {
  constructor(private readonly dashboards: DashboardPanels) {}

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, viewState: DashboardViewState | undefined): Promise<void> {
    this.dashboards.revive(webviewPanel, viewState);
  }
}
