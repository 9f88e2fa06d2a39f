/**
 * Evaluation panels: one webview panel per evaluation file (`<run>/evaluations/<id>.json`),
 * showing its ID vs OOD score histograms per scorer and OOD set, the metric table and the
 * reliability diagram before and after temperature scaling. The panel reads the file and posts it
 * whole; the webview draws it and computes nothing. Panels come back after a reload through the
 * serializer registered at activation (the view state holds the file's path).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EvaluationToExtension, EvaluationViewState } from '../protocol';
import { COMMAND_IDS, EVALUATION_VIEW_TYPE } from './commandIds';
import { KeyedPanels } from './keyedPanels';
import { OwnedWebviewPanel } from './ownedWebviewPanel';
import type { RunStoreCache } from './runStoreCache';

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

class EvaluationPanel extends OwnedWebviewPanel<EvaluationToExtension> {
  constructor(
    webviewPanel: vscode.WebviewPanel,
    readonly evaluationFile: string,
    assetsRoot: vscode.Uri,
    private readonly cache: RunStoreCache,
    private readonly onHistogramsRendered: (report: HistogramsRenderedReport) => void,
    onDisposed: () => void,
  ) {
    super(webviewPanel, panelTitle(evaluationFile), assetsRoot, onDisposed);
  }

  get runDir(): string {
    return path.dirname(path.dirname(this.evaluationFile));
  }

  protected onMessage(message: Exclude<EvaluationToExtension, { type: 'ready' }>): void {
    switch (message.type) {
      case 'histogramsRendered':
        this.onHistogramsRendered({ evaluationFile: this.evaluationFile, canvasCount: message.canvasCount, paintedCanvasCount: message.paintedCanvasCount });
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

  /** The file is written once; its run's version changes when the file appears or goes. */
  protected override async stateVersion(): Promise<string | undefined> {
    return String((await this.cache.run(this.runDir)).version);
  }

  protected async postState(): Promise<void> {
    const viewState: EvaluationViewState = { evaluationFile: this.evaluationFile };
    const read = await this.cache.evaluation(this.evaluationFile);
    if (!read) {
      this.post({ type: 'error', message: `${this.evaluationFile} is missing or is not an OOD Lens evaluation file.` });
      return;
    }
    const { result } = read;
    this.post({
      type: 'evaluationState',
      viewState,
      state: {
        title: result.imported ? `${result.runId} · imported ${path.basename(result.imported.model.file)}` : `${result.runId} · checkpoint epoch ${result.checkpoint.epoch}`,
        source: `From ${this.evaluationFile} (${result.createdAt}, backend ${result.backend.name})`,
        evaluation: result,
      },
    });
  }
}

/** Owns every open evaluation panel, one per evaluation file; disposed with the extension. */
export class EvaluationPanels extends KeyedPanels<EvaluationPanel> {
  private readonly renderedEmitter = new vscode.EventEmitter<HistogramsRenderedReport>();
  readonly onDidRenderHistograms: vscode.Event<HistogramsRenderedReport> = this.renderedEmitter.event;

  protected readonly viewType = EVALUATION_VIEW_TYPE;

  protected create(webviewPanel: vscode.WebviewPanel, evaluationFile: string, onDisposed: () => void): EvaluationPanel {
    return new EvaluationPanel(webviewPanel, evaluationFile, this.assetsRoot, this.cache, (report) => this.renderedEmitter.fire(report), onDisposed);
  }

  protected titleOf(evaluationFile: string): string {
    return panelTitle(evaluationFile);
  }

  show(evaluationFile: string, options: { preserveFocus?: boolean } = {}): vscode.WebviewPanel {
    return this.showKey(evaluationFile, options).webviewPanel;
  }

  revive(webviewPanel: vscode.WebviewPanel, viewState: EvaluationViewState | undefined): void {
    const file = viewState?.evaluationFile;
    this.reviveKey(webviewPanel, typeof file === 'string' ? file : undefined);
  }

  /** Closes the panels of a run's evaluations (the run is being deleted). */
  closeRun(runDir: string): void {
    for (const panel of [...this.panels.values()]) if (panel.runDir === runDir) panel.dispose();
  }

  override dispose(): void {
    super.dispose();
    this.renderedEmitter.dispose();
  }
}
