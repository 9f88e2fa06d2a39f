// The UI test: a person's path through the installed extension in a real VS Code web workbench.
// Palette -> Open Run Dashboard -> a webview whose Chart.js canvas has drawn pixels; the OOD Lens
// activity-bar container with its Runs tree; the checkpoint's context menu; the panel coming
// back after a reload (WebviewPanelSerializer). A screenshot of each step goes to artifacts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderUrl, runPaletteCommand, waitForDrawnCanvas, waitForWorkbench } from './workbench.mjs';

export const UI_RUN_ID = '20261127-093000-lenet-mnist-logitnorm';
const CHART_SELECTOR = 'canvas#logit-norm-chart';
const ACTIVITY_BAR_ENTRY = '.part.activitybar [aria-label^="OOD Lens"]';

/** A finished-looking run folder, as the engine writes it (DESIGN.md, "A run on disk"). */
export function seedRunFolder(workspace) {
  const runDir = join(workspace, '.oodlens', 'runs', UI_RUN_ID);
  mkdirSync(join(runDir, 'checkpoints', 'epoch-8'), { recursive: true });
  const history = [];
  for (let epoch = 1; epoch <= 8; epoch += 1) {
    history.push(JSON.stringify({
      epoch,
      trainLoss: 1.2 / epoch,
      trainAccuracy: 0.9 + epoch / 100,
      testAccuracy: 0.89 + epoch / 100,
      logitNormTrain: 6 + 1.1 * epoch,
      logitNormTest: 5.8 + 1.0 * epoch,
      logitNormOod: 4 + 0.4 * epoch,
      oodProbe: 'fashion-mnist',
      lr: 0.01,
      seconds: 12,
      imagesPerSecond: 5000,
    }));
  }
  writeFileSync(join(runDir, 'history.jsonl'), history.join('\n') + '\n');
  writeFileSync(join(runDir, 'checkpoints', 'epoch-8', 'model.json'), '{}');
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({
    id: UI_RUN_ID,
    config: { dataset: 'mnist', architecture: 'lenet', loss: 'logitnorm', tau: 0.04, epochs: 8, seed: 1 },
    status: 'done',
  }, null, 2));
  return runDir;
}

/**
 * Runs the UI checks on `context` against code-server at `baseUrl`, with `workspace` opened.
 * `check(name, fn)` records each as a test; a failed step makes the ones that need it fail too.
 */
export async function runUiTests({ context, baseUrl, workspace, artifactsDir, check: recordCheck, log }) {
  const page = await context.newPage();
  const screenshot = (name) => page.screenshot({ path: join(artifactsDir, name) }).catch((error) => log(`screenshot ${name} failed: ${error.message}`));
  let failedChecks = 0;
  /** Records a check; a failed one leaves a screenshot of what the page showed then. */
  const check = async (name, body) => {
    const passed = await recordCheck(name, body);
    if (!passed) await screenshot(`failed-${++failedChecks}.png`);
    return passed;
  };
  const cspViolations = [];
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(text)) cspViolations.push(text);
  });
  page.on('pageerror', (error) => log(`page error: ${error.message}`));

  const opened = await check('UI: the workbench opens the workspace with the extension installed', async () => {
    await page.goto(folderUrl(baseUrl, workspace), { timeout: 60_000 });
    await waitForWorkbench(page);
    // The extension's activity-bar entry is there once the installed extensions have been read.
    await page.locator(ACTIVITY_BAR_ENTRY).first().waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot('01-workbench.png');
  });

  const dashboard = opened && await check('UI: "OOD Lens: Open Run Dashboard" from the palette opens a webview whose Chart.js canvas has drawn pixels', async () => {
    let drawn;
    await runPaletteCommand(page, 'OOD Lens: Open Run Dashboard', {
      isDone: async () => {
        drawn = await waitForDrawnCanvas(page, CHART_SELECTOR, UI_RUN_ID, 30_000);
      },
    });
    const title = await drawn.frame.evaluate(() => document.querySelector('h1')?.textContent ?? '');
    log(`dashboard "${title}": ${drawn.painted} painted canvas pixels`);
    await page.waitForTimeout(500);
    await screenshot('02-dashboard.png');
  });

  if (opened) {
    await check('UI: the webview loads under its Content-Security-Policy without violations', async () => {
      if (cspViolations.length > 0) throw new Error(`CSP violations:\n${cspViolations.join('\n')}`);
    });
  }

  const runsView = opened && await check('UI: the OOD Lens activity-bar container shows the Runs tree with the run folder', async () => {
    const container = page.locator(ACTIVITY_BAR_ENTRY).first();
    await container.waitFor({ state: 'visible', timeout: 20_000 });
    await container.click();
    // A container with one view shows the container's title, not the view's header.
    await page.locator('.part.sidebar .composite.title', { hasText: /OOD Lens/i }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await page.locator('.monaco-list-row', { hasText: UI_RUN_ID }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await screenshot('03-runs-view.png');
  });

  if (runsView) {
    await check('UI: a checkpoint\'s context menu offers "Evaluate OOD", which asks for the OOD sets', async () => {
      const runRow = page.locator('.monaco-list-row', { hasText: UI_RUN_ID }).first();
      if ((await runRow.getAttribute('aria-expanded')) !== 'true') await runRow.locator('.monaco-tl-twistie').click();
      const checkpointRow = page.locator('.monaco-list-row', { hasText: 'epoch 8' }).first();
      await checkpointRow.waitFor({ state: 'visible', timeout: 15_000 });
      await checkpointRow.click({ button: 'right' });
      const menuItem = page.locator('.context-view .action-item', { hasText: 'Evaluate OOD' }).first();
      await menuItem.waitFor({ state: 'visible', timeout: 15_000 });
      await screenshot('04-checkpoint-menu.png');
      await menuItem.click();
      await page.locator('.quick-input-widget', { hasText: 'OOD sets' }).first().waitFor({ state: 'visible', timeout: 15_000 });
      await screenshot('05-evaluate-ood-sets.png');
      await page.keyboard.press('Escape');
    });
  }

  if (dashboard) {
    await check('UI: after a reload the dashboard comes back (serializer) and draws again', async () => {
      // "Developer: Reload Window", as a person would: it shuts the workbench down in order, so
      // the open editors (our panel among them) are saved before the page loads again.
      const reloaded = page.waitForEvent('load', { timeout: 60_000 });
      await runPaletteCommand(page, 'Developer: Reload Window');
      await reloaded;
      await waitForWorkbench(page);
      const drawn = await waitForDrawnCanvas(page, CHART_SELECTOR, UI_RUN_ID, 60_000);
      log(`revived dashboard: ${drawn.painted} painted canvas pixels`);
      await page.waitForTimeout(500);
      await screenshot('06-after-reload.png');
    });
  }
  writeFileSync(join(artifactsDir, 'ui-console-csp.txt'), cspViolations.join('\n'));
  await page.close();
}
