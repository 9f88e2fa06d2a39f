/**
 * Compare panels: two or more runs side by side as the paper prints them, one "A / B (/ C ...)"
 * cell per scorer x OOD set and metric with the better value marked, plus ID accuracy and ECE.
 * The panel reads each run's evaluations from disk, lines them up (compareState.ts, on the
 * engine's report) and posts the whole state; the webview draws it. A panel comes back after a
 * reload through its serializer (the view state holds the run folders).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CompareToExtension, CompareViewState } from '../protocol';
import { COMPARE_VIEW_TYPE } from './commandIds';
import { compareStateOf } from './compareState';
import { KeyedPanels } from './keyedPanels';
import { OwnedWebviewPanel } from './ownedWebviewPanel';
import type { RunStoreCache } from './runStoreCache';

/** Reported by a compare webview after it drew its table. */
export interface CompareRenderedReport {
  runDirs: string[];
  rowCount: number;
  markedCount: number;
}

const KEY_SEPARATOR = '\n';

function runDirsOfKey(key: string): string[] {
  return key.split(KEY_SEPARATOR);
}

class ComparePanel extends OwnedWebviewPanel<CompareToExtension> {
  constructor(
    webviewPanel: vscode.WebviewPanel,
    readonly runDirs: string[],
    title: string,
    assetsRoot: vscode.Uri,
    private readonly cache: RunStoreCache,
    private readonly onRendered: (report: CompareRenderedReport) => void,
    onDisposed: () => void,
  ) {
    super(webviewPanel, title, assetsRoot, onDisposed);
  }

  protected override async stateVersion(): Promise<string | undefined> {
    return (await Promise.all(this.runDirs.map((runDir) => this.cache.run(runDir)))).map((run) => run.version).join(',');
  }

  protected onMessage(message: Exclude<CompareToExtension, { type: 'ready' }>): void {
    if (message.type === 'compareRendered') this.onRendered({ runDirs: this.runDirs, rowCount: message.rowCount, markedCount: message.markedCount });
    else console.warn(`OOD Lens: compare webview sent an unknown message ${JSON.stringify(message)}`);
  }

  protected async postState(): Promise<void> {
    const viewState: CompareViewState = { runDirs: this.runDirs };
    try {
      const inputs = await Promise.all(this.runDirs.map(async (runDir) => ({ runDir, evaluations: (await this.cache.run(runDir)).evaluations })));
      this.post({ type: 'compareState', state: compareStateOf(inputs), viewState });
    } catch (error) {
      this.post({ type: 'error', message: `Could not compare ${this.runDirs.map((runDir) => path.basename(runDir)).join(', ')}: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
}

/** Owns every open compare panel; disposed with the extension. */
export class ComparePanels extends KeyedPanels<ComparePanel> {
  private readonly renderedEmitter = new vscode.EventEmitter<CompareRenderedReport>();
  readonly onDidRender: vscode.Event<CompareRenderedReport> = this.renderedEmitter.event;

  protected readonly viewType = COMPARE_VIEW_TYPE;

  protected titleOf(key: string): string {
    return `OOD Lens: compare ${runDirsOfKey(key).map((runDir) => path.basename(runDir)).join(' · ')}`;
  }

  protected create(webviewPanel: vscode.WebviewPanel, key: string, onDisposed: () => void): ComparePanel {
    return new ComparePanel(webviewPanel, runDirsOfKey(key), this.titleOf(key), this.assetsRoot, this.cache, (report) => this.renderedEmitter.fire(report), onDisposed);
  }

  show(runDirs: string[], options: { preserveFocus?: boolean } = {}): vscode.WebviewPanel {
    return this.showKey(runDirs.join(KEY_SEPARATOR), options).webviewPanel;
  }

  revive(webviewPanel: vscode.WebviewPanel, viewState: CompareViewState | undefined): void {
    const runDirs = viewState?.runDirs;
    const valid = Array.isArray(runDirs) && runDirs.length >= 2 && runDirs.every((runDir) => typeof runDir === 'string');
    this.reviveKey(webviewPanel, valid ? runDirs.join(KEY_SEPARATOR) : undefined);
  }

  /** Closes the panels that show a run being deleted. */
  closeRun(runDir: string): void {
    for (const panel of [...this.panels.values()]) if (panel.runDirs.includes(runDir)) panel.dispose();
  }

  override dispose(): void {
    super.dispose();
    this.renderedEmitter.dispose();
  }
}
