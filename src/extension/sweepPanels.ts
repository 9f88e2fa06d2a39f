/**
 * Sweep panels: the paper's Figure 5 for one tau sweep, the average FPR95 (MSP by default) of
 * each tau's run against tau, with a table, filling in as each evaluation lands. The panel reads
 * the sweep's record (written by `ood-lens sweep`) and the evaluations it names through the run
 * store cache (sweepRecord.ts) and posts the whole state; the webview draws it. It comes back
 * after a reload through its serializer (the view state holds the sweep file).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SweepToExtension, SweepViewState } from '../protocol';
import { SWEEP_VIEW_TYPE } from './commandIds';
import { KeyedPanels } from './keyedPanels';
import { OwnedWebviewPanel } from './ownedWebviewPanel';
import { readSweepRecord } from '../core/sweep/sweepRecord';
import type { RunStoreCache } from './runStoreCache';
import type { SweepDriver } from './sweepDriver';
import { sweepStateOf } from './sweepRecord';

/** Reported by a sweep webview after Chart.js drew its chart. */
export interface SweepRenderedReport {
  sweepFile: string;
  paintedPixels: number;
  pointCount: number;
}

class SweepPanel extends OwnedWebviewPanel<SweepToExtension> {
  constructor(
    webviewPanel: vscode.WebviewPanel,
    readonly sweepFile: string,
    title: string,
    assetsRoot: vscode.Uri,
    private readonly driver: SweepDriver,
    private readonly cache: RunStoreCache,
    private readonly onRendered: (report: SweepRenderedReport) => void,
    onDisposed: () => void,
  ) {
    super(webviewPanel, title, assetsRoot, onDisposed);
  }

  /** The record's last write and the versions of the runs it names. */
  protected override async stateVersion(): Promise<string | undefined> {
    try {
      const record = await readSweepRecord(this.sweepFile);
      const runs = await Promise.all(record.points.flatMap((point) => (point.runDir ? [this.cache.run(point.runDir)] : [])));
      return [record.updatedAt, this.driver.isActive(this.sweepFile), ...runs.map((run) => run.version)].join(',');
    } catch {
      return undefined;
    }
  }

  protected onMessage(message: Exclude<SweepToExtension, { type: 'ready' }>): void {
    switch (message.type) {
      case 'sweepRendered':
        this.onRendered({ sweepFile: this.sweepFile, paintedPixels: message.paintedPixels, pointCount: message.pointCount });
        return;
      case 'cancelSweep':
        this.driver.cancel(this.sweepFile);
        return;
      default: {
        const unexpected: never = message;
        console.warn(`OOD Lens: sweep webview sent an unknown message ${JSON.stringify(unexpected)}`);
      }
    }
  }

  protected async postState(): Promise<void> {
    const viewState: SweepViewState = { sweepFile: this.sweepFile };
    try {
      const record = await readSweepRecord(this.sweepFile);
      const state = await sweepStateOf(this.sweepFile, record, this.driver.isActive(this.sweepFile), (file) => this.cache.evaluation(file));
      this.post({ type: 'sweepState', state, viewState });
    } catch (error) {
      this.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** Owns every open sweep panel; disposed with the extension. */
export class SweepPanels extends KeyedPanels<SweepPanel> {
  private readonly renderedEmitter = new vscode.EventEmitter<SweepRenderedReport>();
  readonly onDidRender: vscode.Event<SweepRenderedReport> = this.renderedEmitter.event;

  protected readonly viewType = SWEEP_VIEW_TYPE;

  constructor(
    extensionUri: vscode.Uri,
    cache: RunStoreCache,
    private readonly driver: SweepDriver,
  ) {
    super(extensionUri, cache);
  }

  protected titleOf(sweepFile: string): string {
    return `OOD Lens: ${path.basename(sweepFile, '.json')}`;
  }

  protected create(webviewPanel: vscode.WebviewPanel, sweepFile: string, onDisposed: () => void): SweepPanel {
    return new SweepPanel(webviewPanel, sweepFile, this.titleOf(sweepFile), this.assetsRoot, this.driver, this.cache, (report) => this.renderedEmitter.fire(report), onDisposed);
  }

  show(sweepFile: string, options: { preserveFocus?: boolean } = {}): vscode.WebviewPanel {
    return this.showKey(sweepFile, options).webviewPanel;
  }

  /** Redraws the panel of one sweep (its record changed). */
  refresh(sweepFile: string): void {
    void this.panels.get(sweepFile)?.sendState();
  }

  revive(webviewPanel: vscode.WebviewPanel, viewState: SweepViewState | undefined): void {
    this.reviveKey(webviewPanel, typeof viewState?.sweepFile === 'string' ? viewState.sweepFile : undefined);
  }

  override dispose(): void {
    super.dispose();
    this.renderedEmitter.dispose();
  }
}
