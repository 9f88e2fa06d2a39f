/** The handle a VS Code webview gets once per load, typed with the protocol's messages. */
import type { PanelViewState, WebviewToExtension } from '../src/protocol';

export interface WebviewApi {
  postMessage(message: WebviewToExtension): void;
  getState(): PanelViewState | undefined;
  setState(state: PanelViewState): void;
}

declare function acquireVsCodeApi(): WebviewApi;

/** acquireVsCodeApi may be called only once per load; every module shares this one. */
export const vscodeApi: WebviewApi = acquireVsCodeApi();

/**
 * Whether this webview reports what it drew (the `*Rendered` messages): only when the extension
 * runs under its tests (the page's body says so); counting painted pixels reads the canvas back.
 */
export const renderProbes: boolean = document.body.dataset.renderProbes === 'on';
