// The webview page shell: its Content-Security-Policy, and render probes only when switched on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, setRenderProbes, webviewHtml } from '../../src/extension/webviewHtml';

const webview = { cspSource: 'https://webview.test' } as never;
const page = { title: 'Run <1> & "2"', scriptUri: { toString: () => 'https://webview.test/main.js' }, styleUri: { toString: () => 'https://webview.test/main.css' } } as never;

test('the CSP allows nothing by default, scripts only with the nonce, styles from the webview origin', () => {
  assert.equal(contentSecurityPolicy('https://webview.test', 'abc'), "default-src 'none'; img-src https://webview.test; style-src https://webview.test; font-src https://webview.test; script-src 'nonce-abc'");
  const html = webviewHtml(webview, page, 'n0nce');
  assert.match(html, /<script nonce="n0nce" src="https:\/\/webview\.test\/main\.js"><\/script>/);
  assert.match(html, /<title>Run &#60;1&#62; &#38; &#34;2&#34;<\/title>/, 'the title is escaped');
});

test('webviews are told to report what they drew only when render probes are on (the extension under test)', () => {
  try {
    setRenderProbes(false);
    assert.match(webviewHtml(webview, page, 'n'), /<body>/);
    setRenderProbes(true);
    assert.match(webviewHtml(webview, page, 'n'), /<body data-render-probes="on">/);
  } finally {
    setRenderProbes(false);
  }
});
