// Extension-host tests: mocha suites (test/e2e/suite/) bundled by esbuild and run by VS Code's
// own test runner inside code-server's extension host, the way @vscode/test-electron runs them.
// The workbench reports the host's exit code through window.codeAutomationExit.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderUrl, waitForWorkbench } from './workbench.mjs';

const SUITE_ENTRY = 'test/e2e/suite/index.ts';

/**
 * Bundles the suite into `<projectRoot>/.cache/e2e/host-suite/index.js` (inside the project so
 * `require('mocha')` resolves to the project's mocha), the results path baked in.
 */
export async function bundleHostSuite(projectRoot, resultsFile) {
  const outfile = join(projectRoot, '.cache', 'e2e', 'host-suite', 'index.js');
  await esbuild.build({
    absWorkingDir: projectRoot,
    entryPoints: [SUITE_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    define: { OOD_LENS_E2E_RESULTS_FILE: JSON.stringify(resultsFile) },
    logLevel: 'warning',
  });
  return outfile;
}

function remoteUri(baseUrl, path) {
  return `vscode-remote://${new URL(baseUrl).host}${path}`;
}

/**
 * Opens the workbench with the extensionDevelopmentPath/extensionTestsPath payload and waits for
 * the extension host to finish the suite. Returns { exitCode, summary } (summary may be missing
 * when the suite never ran).
 */
export async function runHostTests({ context, baseUrl, workspace, extensionFolder, suiteFile, resultsFile, artifactsDir, log, timeoutMs = 420_000 }) {
  rmSync(resultsFile, { force: true });
  const page = await context.newPage();
  let resolveExit;
  const exited = new Promise((resolve) => {
    resolveExit = resolve;
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
  await page.exposeFunction('codeAutomationLog', (level, message) => {
    if (level === 'error' || level === 'warn') log(`workbench ${level}: ${String(message).slice(0, 400)}`);
  });
  const hostOutput = [];
  page.on('console', (message) => hostOutput.push(message.text()));

  const payload = [
    ['extensionDevelopmentPath', remoteUri(baseUrl, extensionFolder)],
    ['extensionTestsPath', remoteUri(baseUrl, suiteFile)],
  ];
  await page.goto(folderUrl(baseUrl, workspace, `&payload=${encodeURIComponent(JSON.stringify(payload))}`), { timeout: 60_000 });
  await waitForWorkbench(page);

  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const exitCode = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  await page.screenshot({ path: join(artifactsDir, '10-extension-host-tests.png') }).catch(() => {});
  writeFileSync(join(artifactsDir, 'extension-host-console.txt'), hostOutput.join('\n'));
  await page.close().catch(() => {});

  const summary = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
  return { exitCode, summary };
}
