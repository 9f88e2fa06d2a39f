/**
 * Evaluation panels: one webview panel per evaluation file (`<run>/evaluations/<id>.json`),
 * showing its ID vs OOD score histograms per scorer and OOD set, the metric table and the
 * reliability diagram before and after temperature scaling. The panel reads the file and posts it
 * whole; the webview draws it and computes nothing. Panels come back after a reload through the
 * serializer registered at activation (the view state holds the file's path).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EvaluationViewState } from '../protocol';
import { COMMAND_IDS, EVALUATION_VIEW_TYPE } from './commandIds';
import { WEBVIEW_ASSETS_FOLDER } from './dashboardPanels';
import { readEvaluationFile } from './runFolders';
import { OwnedWebviewPanel, type PanelMessage } from './ownedWebviewPanel';

/** Reported by an evaluation webview after its histograms were drawn. */
export interface HistogramsRenderedReport {
  evaluationFile: string;
  canvasCount: number;
  paintedCanvasCount: number;
}

function panelTitle(evaluationFile: string): string {
  const runDir = path.dirname(path.dirname(evaluationFile));
  return `OOD Lens: ${path.basename(evaluationFile, '.json')} · ${path.basename(runDir)}`;
}

class EvaluationPanel extends OwnedWebviewPanel {
  constructor(
    webviewPanel: vscode.WebviewPanel,
    readonly evaluationFile: string,
    assetsRoot: vscode.Uri,
    private readonly onHistogramsRendered: (report: HistogramsRenderedReport) => void,
    onDisposed: (panel: EvaluationPanel) => void,
  ) {
    super(webviewPanel, panelTitle(evaluationFile), assetsRoot, () => onDisposed(this));
  }

  get runDir(): string {
    return path.dirname(path.dirname(this.evaluationFile));
  }

  protected onMessage(message: PanelMessage): void {
    switch (message.type) {
      case 'histogramsRendered':
        this.onHistogramsRendered({ evaluationFile: this.evaluationFile, canvasCount: message.canvasCount, paintedCanvasCount: message.paintedCanvasCount });
        return;
      case 'chartRendered':
      case 'metricsRendered':
      case 'compareRendered':
      case 'sweepRendered':
      case 'cancelSweep':
        return;
      case 'openRunFolder':
        void vscode.commands.executeCommand(COMMAND_IDS.revealInExplorer, vscode.Uri.file(this.runDir));
        return;
      default: {
        const unexpected: never = message;
        console.warn(`OOD Lens: evaluation webview sent an unknown message ${JSON.stringify(unexpected)}`);
      }
    }
  }

  protected async postState(): Promise<void> {
    const viewState: EvaluationViewState = { evaluationFile: this.evaluationFile };
    const read = await readEvaluationFile(this.evaluationFile);
    if (!read) {
      this.post({ type: 'error', message: `${this.evaluationFile} is missing or is not an OOD Lens evaluation file.` });
      return;
    }
    const { result } = read;
    this.post({
      type: 'evaluationState',
      viewState,
      state: {
        title: `${result.runId} · checkpoint epoch ${result.checkpoint.epoch}`,
        source: `From ${this.evaluationFile} (${result.createdAt}, backend ${result.backend.name})`,
        evaluation: result,
      },
    });
  }
}

/** Owns every open evaluation panel; disposed with the extension. */
export class EvaluationPanels implements vscode.Disposable {
  private readonly panels = new Map<string, EvaluationPanel>();
  private readonly renderedEmitter = new vscode.EventEmitter<HistogramsRenderedReport>();
  readonly onDidRenderHistograms: vscode.Event<HistogramsRenderedReport> = this.renderedEmitter.event;
  private readonly assetsRoot: vscode.Uri;

  constructor(extensionUri: vscode.Uri) {
    this.assetsRoot = vscode.Uri.joinPath(extensionUri, ...WEBVIEW_ASSETS_FOLDER);
  }

  show(evaluationFile: string, options: { preserveFocus?: boolean } = {}): vscode.WebviewPanel {
    const existing = this.panels.get(evaluationFile);
    if (existing) {
      existing.webviewPanel.reveal(undefined, options.preserveFocus);
      return existing.webviewPanel;
    }
    const webviewPanel = vscode.window.createWebviewPanel(
      EVALUATION_VIEW_TYPE,
      panelTitle(evaluationFile),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: options.preserveFocus ?? false },
      { enableScripts: true, localResourceRoots: [this.assetsRoot] },
    );
    this.adopt(webviewPanel, evaluationFile);
    return webviewPanel;
  }

  revive(webviewPanel: vscode.WebviewPanel, viewState: EvaluationViewState | undefined): void {
    const file = viewState?.evaluationFile;
    if (typeof file !== 'string') {
      webviewPanel.dispose();
      return;
    }
    this.panels.get(file)?.dispose();
    webviewPanel.title = panelTitle(file);
    this.adopt(webviewPanel, file);
  }

  /** Closes the panels of a run's evaluations (the run is being deleted). */
  closeRun(runDir: string): void {
    for (const panel of [...this.panels.values()]) if (panel.runDir === runDir) panel.dispose();
  }

  refreshAll(): void {
    for (const panel of this.panels.values()) void panel.sendState();
  }

  private adopt(webviewPanel: vscode.WebviewPanel, evaluationFile: string): void {
    const panel = new EvaluationPanel(
      webviewPanel,
      evaluationFile,
      this.assetsRoot,
      (report) => this.renderedEmitter.fire(report),
      (closed) => {
        if (this.panels.get(closed.evaluationFile) === closed) this.panels.delete(closed.evaluationFile);
      },
    );
    this.panels.set(evaluationFile, panel);
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
    this.renderedEmitter.dispose();
  }
}

export class EvaluationPanelSerializer implements vscode.WebviewPanelSerializer<EvaluationViewState> {
  constructor(private readonly panels: EvaluationPanels) {}

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, viewState: EvaluationViewState | undefined): Promise<void> {
    this.panels.revive(webviewPanel, viewState);
  }
}
