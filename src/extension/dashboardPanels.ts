/**
 * Run dashboards: one webview panel per run folder (or one for the sample chart), each drawing
 * the logit norm per epoch with Chart.js. The webview posts `ready`; the panel answers with the
 * whole state read from disk, and again whenever the run store changes. Panels come back after
 * a reload through the WebviewPanelSerializer registered at activation.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatchProgress, DashboardToExtension, DashboardViewState } from '../protocol';
import { COMMAND_IDS, DASHBOARD_VIEW_TYPE } from './commandIds';
import { dashboardStateOf, sampleDashboardState } from './dashboardState';
import { LatestValueThrottle } from './latestValueThrottle';
import { KeyedPanels } from './keyedPanels';
import { OwnedWebviewPanel } from './ownedWebviewPanel';
import type { RunStoreCache } from './runStoreCache';

/** Reported by a webview after Chart.js drew: how many canvas pixels are not transparent. */
export interface ChartRenderedReport {
  runDir: string | undefined;
  paintedPixels: number;
  /** How many epochs the drawn chart holds. */
  epochCount: number;
}

/** Reported each time a dashboard is sent a training batch's progress (null: the job ended). */
export interface ProgressPostedReport {
  runDir: string;
  progress: BatchProgress | null;
}

/** At most five progress messages a second go to a dashboard. */
const PROGRESS_INTERVAL_MILLISECONDS = 200;

const SAMPLE_KEY = '<sample>';

function panelKey(runDir: string | undefined): string {
  return runDir ?? SAMPLE_KEY;
}

function runDirOfKey(key: string): string | undefined {
  return key === SAMPLE_KEY ? undefined : key;
}

function panelTitle(runDir: string | undefined): string {
  return runDir ? `OOD Lens: ${path.basename(runDir)}` : 'OOD Lens: sample chart';
}

class DashboardPanel extends OwnedWebviewPanel<DashboardToExtension> {
  /** The running job's latest batch, while a job of this window trains the run. */
  private progress: BatchProgress | null = null;
  private readonly progressThrottle: LatestValueThrottle<BatchProgress | null>;

  constructor(
    webviewPanel: vscode.WebviewPanel,
    readonly runDir: string | undefined,
    assetsRoot: vscode.Uri,
    private readonly cache: RunStoreCache,
    private readonly onChartRendered: (report: ChartRenderedReport) => void,
    onProgressPosted: (report: ProgressPostedReport) => void,
    onDisposed: () => void,
  ) {
    super(webviewPanel, panelTitle(runDir), assetsRoot, () => {
      this.progressThrottle.dispose();
      onDisposed();
    });
    this.progressThrottle = new LatestValueThrottle(PROGRESS_INTERVAL_MILLISECONDS, (progress) => {
      this.post({ type: 'batchProgress', progress });
      if (this.runDir) onProgressPosted({ runDir: this.runDir, progress });
    });
  }

  /** A batch of the running job (throttled), or null when the job ended (sent at once). */
  setProgress(progress: BatchProgress | null): void {
    this.progress = progress;
    if (!this.isReady) return;
    this.progressThrottle.push(progress);
    if (progress === null) this.progressThrottle.flush();
  }

  protected onMessage(message: Exclude<DashboardToExtension, { type: 'ready' }>): void {
    switch (message.type) {
      case 'chartRendered':
        this.onChartRendered({ runDir: this.runDir, paintedPixels: message.paintedPixels, epochCount: message.epochCount });
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

  protected override async stateVersion(): Promise<string | undefined> {
    return this.runDir ? String((await this.cache.run(this.runDir)).version) : 'sample';
  }

  /** The run as the run store cache has it (read again only when a change touched it), whole. */
  protected async postState(): Promise<void> {
    const viewState: DashboardViewState = { runDir: this.runDir };
    try {
      const state = this.runDir ? dashboardStateOf(await this.cache.run(this.runDir)) : sampleDashboardState();
      this.post({ type: 'dashboardState', state, viewState });
      if (this.progress) this.progressThrottle.push(this.progress);
    } catch (error) {
      this.post({ type: 'error', message: `Could not read ${this.runDir ?? 'the sample'}: ${String(error)}` });
    }
  }
}

/** Owns every open dashboard panel, one per run folder (and one for the sample chart); disposed with the extension. */
export class DashboardPanels extends KeyedPanels<DashboardPanel> {
  private readonly chartRenderedEmitter = new vscode.EventEmitter<ChartRenderedReport>();
  readonly onDidRenderChart: vscode.Event<ChartRenderedReport> = this.chartRenderedEmitter.event;
  private readonly progressPostedEmitter = new vscode.EventEmitter<ProgressPostedReport>();
  /** Fires each time a dashboard is sent a batch's progress (at most five times a second a panel). */
  readonly onDidPostProgress: vscode.Event<ProgressPostedReport> = this.progressPostedEmitter.event;
  /** The latest batch of each run a job of this window trains now, for a dashboard opened mid-epoch. */
  private readonly latestProgress = new Map<string, BatchProgress>();

  protected readonly viewType = DASHBOARD_VIEW_TYPE;

  /** Shows the dashboard of `runDir` (the sample chart when undefined), opening it if needed. */
  show(runDir: string | undefined, options: { preserveFocus?: boolean } = {}): vscode.WebviewPanel {
    return this.showKey(panelKey(runDir), options).webviewPanel;
  }

  /** Takes over a panel VS Code restored after a reload (see the serializer registered at activation). */
  revive(webviewPanel: vscode.WebviewPanel, viewState: DashboardViewState | undefined): void {
    this.reviveKey(webviewPanel, panelKey(typeof viewState?.runDir === 'string' ? viewState.runDir : undefined));
  }

  /** Closes the dashboard of a run (its folder is being deleted). */
  close(runDir: string): void {
    this.panels.get(panelKey(runDir))?.dispose();
  }

  /** The running job's latest batch of `runDir` (null: the job ended), to the run's open dashboard. */
  updateProgress(runDir: string, progress: BatchProgress | null): void {
    if (progress) this.latestProgress.set(runDir, progress);
    else this.latestProgress.delete(runDir);
    this.panels.get(panelKey(runDir))?.setProgress(progress);
  }

  protected titleOf(key: string): string {
    return panelTitle(runDirOfKey(key));
  }

  protected create(webviewPanel: vscode.WebviewPanel, key: string, onDisposed: () => void): DashboardPanel {
    const runDir = runDirOfKey(key);
    const panel = new DashboardPanel(
      webviewPanel,
      runDir,
      this.assetsRoot,
      this.cache,
      (report) => this.chartRenderedEmitter.fire(report),
      (report) => this.progressPostedEmitter.fire(report),
      onDisposed,
    );
    const progress = runDir ? this.latestProgress.get(runDir) : undefined;
    if (progress) panel.setProgress(progress);
    return panel;
  }

  override dispose(): void {
    super.dispose();
    this.chartRenderedEmitter.dispose();
    this.progressPostedEmitter.dispose();
  }
}
