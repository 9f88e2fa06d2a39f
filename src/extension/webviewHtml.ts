/**
 * The HTML shell of a webview: a strict Content-Security-Policy as in the VS Code webview samples
 * (nothing by default; scripts only with this load's nonce; styles, images and fonts only from
 * the webview's own resource origin) and the bundled script and stylesheet from dist/webview/.
 */
import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

/** The built webview assets (dist/webview/); the only folder a webview may load from. */
export const WEBVIEW_ASSETS_FOLDER = ['dist', 'webview'] as const;

/** A fresh nonce for each HTML load; CSP accepts base64 characters. */
export function createNonce(): string {
  return randomBytes(18).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export interface WebviewPage {
  title: string;
  /** URIs already converted with `webview.asWebviewUri`. */
  scriptUri: vscode.Uri;
  styleUri: vscode.Uri;
}

/**
 * Whether webviews report what they drew (painted canvas pixels, rows: the `*Rendered` messages
 * of protocol.ts). Only the extension's own tests read those reports, and counting pixels reads
 * every canvas back after each draw, so activation turns them on under ExtensionMode.Test only.
 */
let renderProbes = false;

export function setRenderProbes(enabled: boolean): void {
  renderProbes = enabled;
}

export function webviewHtml(webview: vscode.Webview, page: WebviewPage, nonce: string = createNonce()): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${page.styleUri.toString()}">
  <title>${escapeHtml(page.title)}</title>
</head>
<body${renderProbes ? ' data-render-probes="on"' : ''}>
  <div id="app" aria-live="polite"><p class="loading">Loading...</p></div>
  <script nonce="${nonce}" src="${page.scriptUri.toString()}"></script>
</body>
</html>`;
}
