/**
 * Watches the run store `<folder>/.oodlens/runs/` of every workspace folder and fires one
 * debounced event, with the paths that changed, when anything in it changes. The run store
 * cache (runStoreCache.ts) reads again only the run folders those paths are in; the tree and
 * the open panels then redraw what changed.
 *
 * Two kinds of watchers, because VS Code's alone loses events on Linux:
 *  - a VS Code FileSystemWatcher (the workspace's recursive watcher) on the run store and the
 *    folders above it. VS Code folds the events of a new folder's contents into the folder's own
 *    "created" event, so the first run ever written (which creates `.oodlens/` itself) may be
 *    reported only as `.oodlens` being created: that path matches too.
 *  - Node's own non-recursive watchers on `.oodlens/runs/` and on each run folder. The recursive
 *    watcher (@parcel/watcher's inotify backend) adds a watch only to the top folder of a tree
 *    created at once (`mkdir -p`): nothing below `.oodlens/` is reported again until a window
 *    reload (parcel-bundler/watcher#97, microsoft/vscode#142694; seen here in code-server 4.100
 *    in about one run in three). VS Code's own non-recursive watchers inside a workspace reuse
 *    that recursive watcher, so they go blind too. These are re-synced with the disk after
 *    every change; the extension runs where the files are (extensionKind "workspace").
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRunDirsAsync } from '../core/runs/runRecord';
import type { ChangedPaths } from './runStoreCache';
import { runsRootOfFolder, SETTINGS_SECTION } from './settings';

const DEBOUNCE_MILLISECONDS = 200;
/**
 * `{.oodlens,.oodlens/runs,.oodlens/runs/**}` for the default runs folder: the folder, each one
 * above it inside the workspace folder, and everything below it. A runs folder outside the
 * workspace folder is followed by the Node watchers alone.
 */
export function runStoreGlob(workspaceFolderPath: string, runsRoot: string): string | undefined {
  const relative = path.relative(workspaceFolderPath, runsRoot);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const segments = relative.split(path.sep);
  const prefixes = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
  return `{${[...prefixes, `${prefixes[prefixes.length - 1]}/**`].join(',')}}`;
}

async function isDirectory(folder: string): Promise<boolean> {
  try {
    return (await fs.stat(folder)).isDirectory();
  } catch {
    return false;
  }
}

export class RunStoreWatcher implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ChangedPaths>();
  /** The paths that changed since the last event, or 'all' when a change cannot say (a setting, a workspace folder). */
  readonly onDidChange: vscode.Event<ChangedPaths> = this.changeEmitter.event;
  private pending: Set<string> | 'all' = new Set();

  private workspaceWatchers: vscode.FileSystemWatcher[] = [];
  /** Node watchers by folder path: each runs root that exists and each run folder in it. */
  private readonly folderWatchers = new Map<string, FSWatcher>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private debounceTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor() {
    this.watchWorkspaceFolders();
    this.subscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watchWorkspaceFolders();
        this.fireSoon();
      }),
      vscode.workspace.onDidChangeConfiguration((change) => {
        if (!change.affectsConfiguration(`${SETTINGS_SECTION}.runsFolder`)) return;
        this.watchWorkspaceFolders();
        this.fireSoon();
      }),
    );
  }

  private watchWorkspaceFolders(): void {
    for (const watcher of this.workspaceWatchers) watcher.dispose();
    this.workspaceWatchers = (vscode.workspace.workspaceFolders ?? []).flatMap((folder) => {
      const glob = runStoreGlob(folder.uri.fsPath, runsRootOfFolder(folder));
      if (!glob) return [];
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, glob));
      const changed = (uri: vscode.Uri) => this.fireSoon([uri.fsPath]);
      watcher.onDidCreate(changed);
      watcher.onDidChange(changed);
      watcher.onDidDelete(changed);
      return watcher;
    });
    void this.syncFolderWatchers();
  }

  /** Opens a Node watcher on every runs root and run folder on disk now; closes the others. */
  private async syncFolderWatchers(): Promise<void> {
    const wanted = new Set<string>();
    for (const workspaceFolder of vscode.workspace.workspaceFolders ?? []) {
      const runsRoot = runsRootOfFolder(workspaceFolder);
      if (!(await isDirectory(runsRoot))) continue;
      wanted.add(runsRoot);
      for (const runDir of await listRunDirsAsync(runsRoot)) {
        wanted.add(runDir);
        // A second evaluation only changes evaluations/, which the run folder's watcher does not see.
        const evaluations = path.join(runDir, 'evaluations');
        if (await isDirectory(evaluations)) wanted.add(evaluations);
      }
    }
    if (this.disposed) return;
    for (const [folder, watcher] of this.folderWatchers) {
      if (wanted.has(folder)) continue;
      watcher.close();
      this.folderWatchers.delete(folder);
    }
    for (const folder of wanted) {
      if (this.folderWatchers.has(folder)) continue;
      try {
        // Node names the entry of the watched folder that changed (none: the folder itself).
        const watcher = watch(folder, { persistent: false }, (_event, name) => this.fireSoon([name ? path.join(folder, name.toString()) : folder]));
        watcher.on('error', () => {
          // The folder went away (a deleted run): forget it; the next sync looks again.
          watcher.close();
          if (this.folderWatchers.get(folder) === watcher) this.folderWatchers.delete(folder);
          this.fireSoon([folder]);
        });
        this.folderWatchers.set(folder, watcher);
      } catch {
        // deleted between the listing and now
      }
    }
  }

  /**
   * Many files change at once when a run writes; tell listeners once they have settled, with
   * every path seen meanwhile. Without paths: everything may have changed.
   */
  fireSoon(paths?: Iterable<string>): void {
    if (this.disposed) return;
    if (!paths) this.pending = 'all';
    else if (this.pending !== 'all') for (const changed of paths) this.pending.add(changed);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      const changed = this.pending;
      this.pending = new Set();
      void this.syncFolderWatchers();
      this.changeEmitter.fire(changed);
    }, DEBOUNCE_MILLISECONDS);
  }

  dispose(): void {
    this.disposed = true;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    for (const watcher of this.workspaceWatchers) watcher.dispose();
    this.workspaceWatchers = [];
    for (const watcher of this.folderWatchers.values()) watcher.close();
    this.folderWatchers.clear();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changeEmitter.dispose();
  }
}
