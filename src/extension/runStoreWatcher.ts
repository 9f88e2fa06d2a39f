/**
 * Watches `<folder>/.oodlens/runs/**` (and the folders above it) of every workspace folder and
 * fires one debounced event when anything in the run store changes. The tree and the open
 * dashboards listen to it.
 */
import * as vscode from 'vscode';

const DEBOUNCE_MILLISECONDS = 200;
/**
 * The run store and the folders above it. VS Code folds the events of a new folder's contents
 * into the folder's own "created" event, so the first run ever written (which creates
 * `.oodlens/` itself) is seen only as `.oodlens` being created: that must match too.
 */
const RUN_STORE_GLOB = '{.oodlens,.oodlens/runs,.oodlens/runs/**}';

export class RunStoreWatcher implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange: vscode.Event<void> = this.changeEmitter.event;

  private folderWatchers: vscode.FileSystemWatcher[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private debounceTimer: NodeJS.Timeout | undefined;

  constructor() {
    this.watchWorkspaceFolders();
    this.subscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watchWorkspaceFolders();
        this.fireSoon();
      }),
    );
  }

  private watchWorkspaceFolders(): void {
    for (const watcher of this.folderWatchers) watcher.dispose();
    this.folderWatchers = (vscode.workspace.workspaceFolders ?? []).map((folder) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, RUN_STORE_GLOB));
      watcher.onDidCreate(() => this.fireSoon());
      watcher.onDidChange(() => this.fireSoon());
      watcher.onDidDelete(() => this.fireSoon());
      return watcher;
    });
  }

  /** Many files change at once when a run writes; tell listeners once they have settled. */
  fireSoon(): void {
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.changeEmitter.fire();
    }, DEBOUNCE_MILLISECONDS);
  }

  dispose(): void {
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    for (const watcher of this.folderWatchers) watcher.dispose();
    this.folderWatchers = [];
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
  }
}
