/**
 * The "Metrics" webview view in the OOD Lens sidebar, under the Runs tree: the metric table
 * (scorer x OOD set: FPR95 / AUROC / AUPR, and ECE) of the selected checkpoint's latest
 * evaluation and a small histogram of the selected row. It follows the tree's selection: a run
 * shows its latest evaluation, a checkpoint its own, an evaluation itself, a result row its
 * evaluation with that row's histogram.
 */
import * as vscode from 'vscode';
import type { ExtensionToWebview, MetricsToExtension, MetricsViewState } from '../protocol';
import type { RunStoreCache } from './runStoreCache';
import type { RunsTreeNode } from './runsTree';
import { WEBVIEW_ASSETS_FOLDER, webviewHtml } from './webviewHtml';

export const METRICS_VIEW_ID = 'oodLens.metrics';

export interface MetricsRenderedReport {
  evaluationFile: string | undefined;
  rowCount: number;
  paintedPixels: number;
}

/** The evaluation file and row a tree node stands for, if any. */
export function evaluationOfNode(node: RunsTreeNode | undefined): { file: string; row: number } | undefined {
  if (!node) return undefined;
  switch (node.kind) {
    case 'run': {
      const latest = node.evaluations.at(-1);
      return latest ? { file: latest.file, row: 0 } : undefined;
    }
    case 'checkpoint': {
      const latest = node.evaluations.at(-1);
      return latest ? { file: latest.file, row: 0 } : undefined;
    }
    case 'evaluation':
      return { file: node.evaluation.file, row: 0 };
    case 'result':
      return { file: node.evaluation.file, row: node.index };
    default: {
      const unexpected: never = node;
      throw new Error(`unknown runs tree node ${JSON.stringify(unexpected)}`);
    }
  }
}

export class MetricsViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private viewSubscriptions: vscode.Disposable[] = [];
  private ready = false;
  private selection: { file: string; row: number } | undefined;
  private selectedNode: RunsTreeNode | undefined;
  private readonly renderedEmitter = new vscode.EventEmitter<MetricsRenderedReport>();
  readonly onDidRender: vscode.Event<MetricsRenderedReport> = this.renderedEmitter.event;
  private readonly assetsRoot: vscode.Uri;

  constructor(
    extensionUri: vscode.Uri,
    private readonly cache: RunStoreCache,
  ) {
    this.assetsRoot = vscode.Uri.joinPath(extensionUri, ...WEBVIEW_ASSETS_FOLDER);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    for (const subscription of this.viewSubscriptions) subscription.dispose();
    this.view = view;
    this.ready = false;
    const webview = view.webview;
    webview.options = { enableScripts: true, localResourceRoots: [this.assetsRoot] };
    webview.html = webviewHtml(webview, {
      title: 'OOD Lens metrics',
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, 'main.js')),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.assetsRoot, 'main.css')),
    });
    this.viewSubscriptions = [
      webview.onDidReceiveMessage((message: MetricsToExtension) => this.receive(message)),
      view.onDidDispose(() => {
        this.view = undefined;
        this.ready = false;
      }),
    ];
  }

  private receive(message: MetricsToExtension): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        void this.sendState();
        return;
      case 'metricsRendered':
        this.renderedEmitter.fire({ evaluationFile: this.selection?.file, rowCount: message.rowCount, paintedPixels: message.paintedPixels });
        return;
      default: {
        const unexpected: never = message;
        console.warn(`OOD Lens: metrics view sent an unknown message ${JSON.stringify(unexpected)}`);
      }
    }
  }

  /** Follows the Runs tree's selection. */
  select(node: RunsTreeNode | undefined): void {
    this.selectedNode = node;
    this.selection = evaluationOfNode(node);
    void this.sendState();
  }

  /** Re-reads the selection from disk (an evaluation of the selected checkpoint may have landed). */
  refresh(nodes: RunsTreeNode[]): void {
    const selected = this.selectedNode;
    if (selected && (selected.kind === 'run' || selected.kind === 'checkpoint')) {
      const runDir = selected.kind === 'run' ? selected.summary.runDir : selected.run.runDir;
      const run = nodes.find((candidate) => candidate.kind === 'run' && candidate.summary.runDir === runDir);
      if (run && run.kind === 'run') {
        const evaluations = selected.kind === 'run' ? run.evaluations : run.evaluations.filter((entry) => entry.result.checkpoint.epoch === selected.checkpoint.epoch);
        const latest = evaluations.at(-1);
        this.selection = latest ? { file: latest.file, row: 0 } : undefined;
      }
    }
    void this.sendState();
  }

  private async sendState(): Promise<void> {
    if (!this.view || !this.ready) return;
    let state: MetricsViewState;
    if (!this.selection) {
      state = {
        title: 'No evaluation selected',
        hint: this.selectedNode ? 'This has no evaluation yet: right-click a checkpoint -> Evaluate OOD.' : 'Select a checkpoint in the Runs view to see its metrics here.',
        selectedRow: 0,
      };
    } else {
      const read = await this.cache.evaluation(this.selection.file);
      state = read
        ? { title: `${read.result.runId} · epoch ${read.result.checkpoint.epoch}`, evaluation: read.result, selectedRow: this.selection.row }
        : { title: 'Evaluation missing', hint: `${this.selection.file} could not be read.`, selectedRow: 0 };
    }
    const message: ExtensionToWebview = { type: 'metricsState', state };
    void this.view.webview.postMessage(message);
  }

  dispose(): void {
    for (const subscription of this.viewSubscriptions) subscription.dispose();
    this.renderedEmitter.dispose();
  }
}
