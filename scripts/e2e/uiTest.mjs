// The UI test: a person's path through the installed extension in a real VS Code web workbench.
// Palette -> Open Run Dashboard -> a webview whose Chart.js canvas has drawn pixels; the OOD Lens
// activity-bar container with its Runs tree; the checkpoint's context menu; the panel coming
// back after a reload (WebviewPanelSerializer). A screenshot of each step goes to artifacts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAnalysisUiTests } from './uiAnalysisTests.mjs';
import { runImportedModelUiTest } from './uiImportedModel.mjs';
import { acceptQuickPick, findFrame, folderUrl, paintedPixels, paintedPixelsOfEach, quickPickTitled, reloadWindow, runPaletteCommand, waitForDrawnCanvas, waitForQuietList, waitForWorkbench, waitUntil } from './workbench.mjs';

export const UI_RUN_ID = '20261127-093000-lenet-mnist-logitnorm';
const CHART_SELECTOR = 'canvas#logit-norm-chart';
const ACTIVITY_BAR_ENTRY = '.part.activitybar [aria-label^="OOD Lens"]';
/** The Runs tree's rows (the only tree of the OOD Lens container; Metrics is a webview). */
const RUNS_TREE_LIST = '.part.sidebar .monaco-list';

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
    config: { dataset: 'mnist', arch: 'lenet', loss: 'logitnorm', tau: 0.04, epochs: 8, seed: 1 },
    status: 'done',
  }, null, 2));
  return runDir;
}

/**
 * Runs the UI checks on `context` against code-server at `baseUrl`, with `workspace` opened.
 * `recorder` records each check; a check whose prerequisite failed is recorded as skipped.
 */
export async function runUiTests({ context, baseUrl, workspace, artifactsDir, projectRoot, recorder, log }) {
  const page = await context.newPage();
  const screenshot = (name) => page.screenshot({ path: join(artifactsDir, name) }).catch((error) => log(`screenshot ${name} failed: ${error.message}`));
  // A failed check leaves a screenshot of what the page showed then; the logs are copied at the end.
  recorder.onFailure = async (name, index) => {
    const file = `failed-${String(index).padStart(2, '0')}-${name.replace(/^UI: /, '').replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`;
    await screenshot(file);
    return `screenshot: ${join(artifactsDir, file)}; workbench logs: ${join(artifactsDir, 'code-server-logs')}`;
  };
  const check = (name, body, options) => recorder.check(name, body, options);
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

  const dashboard = await check('UI: "OOD Lens: Open Run Dashboard" from the palette opens a webview whose Chart.js canvas has drawn pixels', async () => {
    let drawn;
    await runPaletteCommand(page, 'OOD Lens: Open Run Dashboard', {
      log,
      isDone: async () => {
        drawn = await waitForDrawnCanvas(page, CHART_SELECTOR, UI_RUN_ID, 30_000);
      },
    });
    const title = await drawn.frame.evaluate(() => document.querySelector('h1')?.textContent ?? '');
    log(`dashboard "${title}": ${drawn.painted} painted canvas pixels`);
    await page.waitForTimeout(500);
    await screenshot('02-dashboard.png');
  }, { needs: { opened } });

  await check('UI: the webview loads under its Content-Security-Policy without violations', async () => {
    if (cspViolations.length > 0) throw new Error(`CSP violations:\n${cspViolations.join('\n')}`);
  }, { needs: { opened } });

  const runsView = await check('UI: the OOD Lens activity-bar container shows the Runs tree with the run folder', async () => {
    const container = page.locator(ACTIVITY_BAR_ENTRY).first();
    await container.waitFor({ state: 'visible', timeout: 20_000 });
    await container.click();
    // A container with one view shows the container's title, not the view's header.
    await page.locator('.part.sidebar .composite.title', { hasText: /OOD Lens/i }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await page.locator('.monaco-list-row', { hasText: UI_RUN_ID }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await screenshot('03-runs-view.png');
  }, { needs: { opened } });

  await check('UI: a checkpoint\'s context menu offers "Evaluate OOD", which asks for the OOD sets', async () => {
    const runRow = page.locator('.monaco-list-row', { hasText: UI_RUN_ID }).first();
    if ((await runRow.getAttribute('aria-expanded')) !== 'true') await runRow.locator('.monaco-tl-twistie').click();
    const checkpointRow = page.locator('.monaco-list-row', { hasText: 'epoch 8' }).first();
    await checkpointRow.waitFor({ state: 'visible', timeout: 15_000 });
    await waitForQuietList(page, RUNS_TREE_LIST);
    await checkpointRow.click({ button: 'right' });
    const menuItem = page.locator('.context-view .action-item', { hasText: 'Evaluate OOD' }).first();
    await menuItem.waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot('04-checkpoint-menu.png');
    await menuItem.click();
    await page.locator('.quick-input-widget', { hasText: 'OOD sets' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot('05-evaluate-ood-sets.png');
    await page.keyboard.press('Escape');
  }, { needs: { runsView } });

  let trainedRow;
  const trained = await check('UI: "OOD Lens: Train with LogitNorm" from the palette (three quick picks) trains on MNIST; the run appears in the tree and its dashboard draws its epochs', async () => {
    await runPaletteCommand(page, 'OOD Lens: Train with LogitNorm', {
      log,
      isDone: () => quickPickTitled(page, '(1/3): dataset'),
    });
    // The workspace settings make the defaults (first items) mnist, mlp, 3 epochs.
    await acceptQuickPick(page, '(1/3): dataset', '(2/3): architecture');
    await acceptQuickPick(page, '(2/3): architecture', '(3/3): epochs');
    await acceptQuickPick(page, '(3/3): epochs');
    await page.locator('.part.statusbar', { hasText: 'OOD Lens' }).first().waitFor({ state: 'visible', timeout: 60_000 }).catch(() => log('the status-bar item was not seen (the job may have been quicker)'));
    await screenshot('07-training.png');
    trainedRow = page.locator('.part.sidebar .monaco-list-row', { hasText: /LogitNorm tau=0\.04 · mlp · mnist · best \d+\.\d\d%/ }).first();
    await trainedRow.waitFor({ state: 'visible', timeout: 150_000 });
    await waitUntil(async () => !(await trainedRow.innerText()).includes('running'), 'the run to finish its 3 epochs', 120_000);
    log(`trained run row: ${(await trainedRow.innerText()).replace(/\s+/g, ' ')}`);
    const trainedRunId = (await trainedRow.locator('.label-name').first().innerText()).trim();
    if (!/^\d{8}-\d{6}-/.test(trainedRunId)) throw new Error(`the row's label "${trainedRunId}" is not a run id`);
    // The dashboard opened when the job started; it shows the run's own history.jsonl.
    const drawn = await waitForDrawnCanvas(page, CHART_SELECTOR, `history.jsonl of ${trainedRunId}`, 30_000);
    log(`training dashboard: ${drawn.painted} painted pixels`);
    await page.waitForTimeout(500);
    await screenshot('08-training-dashboard.png');
  }, { needs: { runsView } });

  const evaluated = await check('UI: right-click the new checkpoint -> Evaluate OOD -> evaluation rows with FPR95 and AUROC in the tree, and the evaluation panel draws every histogram', async () => {
    if ((await trainedRow.getAttribute('aria-expanded')) !== 'true') await trainedRow.locator('.monaco-tl-twistie').click();
    const checkpointRow = page.locator('.part.sidebar .monaco-list-row', { hasText: /epoch 1\s*test acc/ }).first();
    await checkpointRow.waitFor({ state: 'visible', timeout: 15_000 });
    // The tree redraws only rows whose data changed; once the run is done nothing should change.
    log(`the Runs tree was unchanged for ${await waitForQuietList(page, RUNS_TREE_LIST)} ms before the right-click`);
    // The tree may redraw (the run store watcher) while the menu opens, and a click on the old
    // menu is lost: retry from a fresh right-click until the first question shows.
    // Attempts alternate between the keyboard (first) and a click on the menu item.
    let attempt = 0;
    await waitUntil(async () => {
      attempt += 1;
      await page.keyboard.press('Escape');
      await checkpointRow.click({ button: 'right', timeout: 5000 });
      const menuItem = page.locator('.context-view .action-item', { hasText: 'Evaluate OOD' }).first();
      await menuItem.waitFor({ state: 'visible', timeout: 5000 });
      if (attempt % 2 === 1) {
        // The menu takes the keyboard: Down focuses its first entry, "Evaluate OOD". A mouse
        // click on the entry was lost now and then (the menu stayed open, no command ran).
        await page.keyboard.press('ArrowDown');
        await page.locator('.context-view .action-item.focused', { hasText: 'Evaluate OOD' }).first().waitFor({ state: 'visible', timeout: 5000 });
        await page.keyboard.press('Enter');
      } else {
        await menuItem.locator('.action-menu-item').first().click({ timeout: 5000 });
      }
      await quickPickTitled(page, '(1/2): OOD sets', 5000).catch(async (error) => {
        const shown = await page.locator('.quick-input-widget .quick-input-title').first().innerText().catch(() => '');
        log(`attempt ${attempt}: no "(1/2): OOD sets"${shown ? `; the quick input shows "${shown}"` : ''}`);
        throw error;
      });
      log(`Evaluate OOD from the context menu: attempt ${attempt} (${attempt % 2 === 1 ? 'keyboard' : 'click'})`);
      return true;
    }, 'the context menu\'s Evaluate OOD to ask for the OOD sets', 120_000, 500);
    await acceptQuickPick(page, '(1/2): OOD sets', '(2/2): scorers');
    await acceptQuickPick(page, '(2/2): scorers');
    // The checkpoint had no children before; the tree opens it by itself to show its first evaluation.
    const evaluatedCheckpoint = page.locator('.part.sidebar .monaco-list-row', { hasText: /epoch 1\s*test acc.*1 evaluation/ }).first();
    await evaluatedCheckpoint.waitFor({ state: 'visible', timeout: 150_000 });
    await waitUntil(async () => (await evaluatedCheckpoint.getAttribute('aria-expanded')) === 'true', 'the checkpoint row to open by itself on its first evaluation', 10_000);
    const resultRow = page.locator('.part.sidebar .monaco-list-row', { hasText: /msp vs gaussian.*FPR95 \d+\.\d\d% · AUROC \d+\.\d\d%/ }).first();
    await resultRow.waitFor({ state: 'visible', timeout: 30_000 });
    const rows = await page.locator('.part.sidebar .monaco-list-row', { hasText: /FPR95 \d+\.\d\d% · AUROC/ }).allInnerTexts();
    log(`evaluation rows in the tree: ${rows.map((row) => row.replace(/\s+/g, ' ')).join(' | ')}`);
    if (rows.length < 4) throw new Error(`expected 4 rows (2 scorers x 2 OOD sets), saw ${rows.length}`);
    await screenshot('09-evaluation-tree.png');
    const histograms = await waitUntil(async () => {
      const frame = await findFrame(page, () => document.querySelectorAll('canvas.histogram').length > 0 && (document.body?.textContent ?? '').includes('Score histograms'));
      if (!frame) return undefined;
      const counts = await frame.evaluate(paintedPixelsOfEach, 'canvas.histogram');
      return counts.length === 4 && counts.every((painted) => painted > 0) ? counts : undefined;
    }, 'the evaluation panel with 4 drawn histogram canvases', 60_000);
    log(`evaluation panel: histogram canvases with ${histograms.join(', ')} painted pixels`);
    await page.waitForTimeout(500);
    await screenshot('10-evaluation-panel.png');
  }, { needs: { trained } });

  await check('UI: selecting the evaluated checkpoint shows its metric table and a drawn histogram in the sidebar\'s Metrics view', async () => {
    const checkpointRow = page.locator('.part.sidebar .monaco-list-row', { hasText: /epoch 1\s*test acc/ }).first();
    await page.keyboard.press('Escape');
    await checkpointRow.click();
    const metrics = await waitUntil(async () => {
      const frame = await findFrame(page, () => Boolean(document.querySelector('canvas.metrics-histogram')) && document.querySelectorAll('table.metrics.compact tbody tr').length > 0);
      if (!frame) return undefined;
      const painted = await paintedPixels(frame, 'canvas.metrics-histogram');
      const rows = await frame.evaluate(() => Array.from(document.querySelectorAll('table.metrics.compact tbody tr')).map((row) => row.textContent));
      return painted > 0 && rows.length === 4 ? { painted, rows } : undefined;
    }, 'the Metrics view with 4 rows and a drawn histogram', 30_000);
    log(`Metrics view: ${metrics.rows.join(' | ')}; histogram ${metrics.painted} painted pixels`);
    await screenshot('11-metrics-view.png');
  }, { needs: { evaluated } });

  const reloaded = await check('UI: after a reload the dashboard comes back (serializer) and draws again', async () => {
    // "Developer: Reload Window", as a person would: it shuts the workbench down in order, so
    // the open editors (our panel among them) are saved before the page loads again.
    // Only the active tab's webview loads after a reload: make the seeded run's dashboard that tab.
    await page.keyboard.press('Escape');
    const seededTab = page.locator('.tabs-container .tab', { hasText: UI_RUN_ID }).first();
    if (await seededTab.isVisible().catch(() => false)) await seededTab.click();
    await reloadWindow(page, { log });
    const restoredTab = page.locator('.tabs-container .tab', { hasText: UI_RUN_ID }).first();
    await restoredTab.waitFor({ state: 'visible', timeout: 30_000 });
    const restoredTabs = await page.locator('.tabs-container .tab').evaluateAll((tabs) => tabs.map((tab) => `${tab.classList.contains('active') ? '*' : ''}${tab.textContent?.trim()}`));
    log(`tabs after the reload (* active): ${restoredTabs.join(' | ')}`);
    const drawn = await waitForDrawnCanvas(page, CHART_SELECTOR, UI_RUN_ID, 60_000);
    log(`revived dashboard: ${drawn.painted} painted canvas pixels`);
    await page.waitForTimeout(500);
    await screenshot('06-after-reload.png');
  }, { needs: { dashboard } });
  await check('UI: after the reload the evaluation panel comes back too (its serializer reads the file again) and draws its histograms', async () => {
    const evaluationTab = page.locator('.tabs-container .tab', { hasText: /epoch-1-/ }).first();
    await evaluationTab.waitFor({ state: 'visible', timeout: 20_000 });
    await evaluationTab.click();
    const painted = await waitUntil(async () => {
      const frame = await findFrame(page, () => document.querySelectorAll('canvas.histogram').length > 0);
      if (!frame) return undefined;
      const counts = await frame.evaluate(paintedPixelsOfEach, 'canvas.histogram');
      return counts.length === 4 && counts.every((count) => count > 0) ? counts : undefined;
    }, 'the revived evaluation panel with 4 drawn histograms', 60_000);
    log(`revived evaluation panel: ${painted.join(', ')} painted pixels`);
  }, { needs: { reloaded, evaluated } });
  await runAnalysisUiTests({ page, workspace, seededRunId: UI_RUN_ID, screenshot, check, log, needs: { opened, runsView } });
  await runImportedModelUiTest({ page, projectRoot, workspace, screenshot, check, log, needs: { opened } });
  writeFileSync(join(artifactsDir, 'ui-console-csp.txt'), cspViolations.join('\n'));
  recorder.onFailure = async () => undefined;
  await page.close();
}
