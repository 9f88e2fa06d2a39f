/**
 * A set of webview panels of one view type, one per key (the compare panel of a set of runs, the
 * sweep panel of a sweep file): show-or-reveal, take over a panel VS Code restored after a reload,
 * redraw all from disk, dispose all. Each panel is an OwnedWebviewPanel made by `create`.
 */
import * as vscode from 'vscode';
import { WEBVIEW_ASSETS_FOLDER } from './webviewHtml';
import type { OwnedWebviewPanel } from './ownedWebviewPanel';
import type { RunStoreCache } from './runStoreCache';

export abstract class KeyedPanels<Panel extends OwnedWebviewPanel> implements vscode.Disposable {
  protected readonly panels = new Map<string, Panel>();
  protected readonly assetsRoot: vscode.Uri;
  /** The webview panel type these panels are (their serializer's). */
  protected abstract readonly viewType: string;

  /** `cache`: the run folders as last read, which every panel reads what it shows from. */
  constructor(
    extensionUri: vscode.Uri,
    protected readonly cache: RunStoreCache,
  ) {
    this.assetsRoot = vscode.Uri.joinPath(extensionUri, ...WEBVIEW_ASSETS_FOLDER);
  }

  /** Makes the panel of `key` on `webviewPanel`; it must call `onDisposed` when it closes. */
  protected abstract create(webviewPanel: vscode.WebviewPanel, key: string, onDisposed: () => void): Panel;

  protected abstract titleOf(key: string): string;

  protected showKey(key: string, options: { preserveFocus?: boolean } = {}): Panel {
    const existing = this.panels.get(key);
    if (existing) {
      existing.webviewPanel.reveal(undefined, options.preserveFocus);
      void existing.sendState();
      return existing;
    }
    const webviewPanel = vscode.window.createWebviewPanel(
      this.viewType,
      this.titleOf(key),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: options.preserveFocus ?? false },
      { enableScripts: true, localResourceRoots: [this.assetsRoot] },
    );
    return this.adopt(webviewPanel, key);
  }

  /** Takes over a panel restored after a reload; a panel without a key to read again is closed. */
  protected reviveKey(webviewPanel: vscode.WebviewPanel, key: string | undefined): void {
    if (key === undefined) {
      webviewPanel.dispose();
      return;
    }
    this.panels.get(key)?.dispose();
    webviewPanel.title = this.titleOf(key);
    this.adopt(webviewPanel, key);
  }

  private adopt(webviewPanel: vscode.WebviewPanel, key: string): Panel {
    const panel: Panel = this.create(webviewPanel, key, () => {
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
    this.panels.set(key, panel);
    return panel;
  }

  /** Re-sends the state of every open panel whose runs changed (the run store cache says which). */
  refreshAll(): void {
    for (const panel of this.panels.values()) void panel.refresh();
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}
