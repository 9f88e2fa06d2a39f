/**
 * What every OOD Lens webview panel does the same way: strict-CSP HTML that loads the built
 * webview bundle, a `ready` handshake after which the panel sends its whole state, posting only
 * while alive, and one dispose that frees its subscriptions and tells its owner.
 */
import * as vscode from 'vscode';
import type { ExtensionToWebview, ReadyMessage } from '../protocol';
import { webviewHtml } from './webviewHtml';

/**
 * A panel whose webview sends `Incoming` (its own union in protocol.ts); `onMessage` gets every
 * message of it but the handshake, which this class answers.
 */
export abstract class OwnedWebviewPanel<Incoming extends { type: string } = ReadyMessage> implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private webviewReady = false;
  private disposed = false;

  constructor(
    readonly webviewPanel: vscode.WebviewPanel,
    title: string,
    assetsRoot: vscode.Uri,
    private readonly onDisposed: () => void,
  ) {
    const webview = webviewPanel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [assetsRoot] };
    webview.html = webviewHtml(webview, {
      title,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(assetsRoot, 'main.js')),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(assetsRoot, 'main.css')),
    });
    this.subscriptions.push(
      webview.onDidReceiveMessage((message: Incoming | ReadyMessage) => {
        if (message.type === 'ready') {
          this.webviewReady = true;
          void this.sendState();
        } else {
          this.onMessage(message as Exclude<Incoming, ReadyMessage>);
        }
      }),
      webviewPanel.onDidDispose(() => this.dispose()),
    );
  }

  /** Handles the webview's messages other than `ready`. */
  protected abstract onMessage(message: Exclude<Incoming, ReadyMessage>): void;

  /** Reads what the panel shows (through the run store cache) and posts it whole. */
  protected abstract postState(): Promise<void>;

  /**
   * A key of what the panel shows that changes when it does (the run store cache's versions of
   * its runs), so `refresh` can skip a redraw; undefined: not known, always redraw.
   */
  protected async stateVersion(): Promise<string | undefined> {
    return undefined;
  }

  private postedVersion: string | undefined;

  /** Whether the webview has said it is ready and the panel is open. */
  protected get isReady(): boolean {
    return this.webviewReady && !this.disposed;
  }

  /** Sends the whole state, once the webview has said it is ready. */
  async sendState(): Promise<void> {
    if (!this.webviewReady || this.disposed) return;
    this.postedVersion = await this.stateVersion();
    await this.postState();
  }

  /** Sends the state again only when what the panel shows changed since it was last sent. */
  async refresh(): Promise<void> {
    if (!this.webviewReady || this.disposed) return;
    const version = await this.stateVersion();
    if (version !== undefined && version === this.postedVersion) return;
    this.postedVersion = version;
    await this.postState();
  }

  protected post(message: ExtensionToWebview): void {
    if (!this.disposed) void this.webviewPanel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDisposed();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.webviewPanel.dispose();
  }
}

/** Brings back the panels of one view type after a window reload: hands each to its owner's `revive`. */
export class PanelSerializer<ViewState> implements vscode.WebviewPanelSerializer<ViewState> {
  constructor(private readonly owner: { revive(webviewPanel: vscode.WebviewPanel, viewState: ViewState | undefined): void }) {}

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, viewState: ViewState | undefined): Promise<void> {
    this.owner.revive(webviewPanel, viewState);
  }
}
