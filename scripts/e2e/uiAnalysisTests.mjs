// The UI test's second part, after a run was trained and evaluated from the palette: "Train..."
// answered question by question with non-default values, "Sweep tau" with its input box, "Compare
// Runs" on the sweep's two runs (its table text checked against the evaluation files), and
// "Delete Run" with its confirmation. Keyboard first: headless Chromium loses mouse clicks on
// context menus now and then; a modal dialog's button is clicked.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { acceptQuickPick, answerQuickInput, findFrame, paintedPixels, quickPickTitled, reloadWindow, runPaletteCommand, waitUntil } from './workbench.mjs';

const ACTIVITY_BAR_ENTRY = '.part.activitybar [aria-label^="OOD Lens"]';

/** What "Train..." is answered with, and what run.json's config must then say. */
const FULL_TRAIN_ANSWERS = { loss: 'logitpenalty', lambda: 0.1, arch: 'lenet', dataset: 'mnist', augment: 'crop-flip', oodProbe: 'uniform', epochs: 1, batchSize: 64, lr: 0.02, schedule: 'cosine', seed: 7, limit: 200, backend: 'wasm' };
const SWEEP_TAUS = [0.02, 0.05];

const percentText = (fraction) => (100 * fraction).toFixed(2);

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The newest evaluation file of a run (its latest checkpoint's, as the compare panel takes it). */
function latestEvaluation(runDir) {
  const folder = join(runDir, 'evaluations');
  const evaluations = readdirSync(folder).filter((name) => name.endsWith('.json')).map((name) => readJson(join(folder, name)));
  return evaluations.sort((a, b) => b.checkpoint.epoch - a.checkpoint.epoch || b.createdAt.localeCompare(a.createdAt))[0];
}

/** Which of the values are better (lower or higher), none when all tie: worked out here, apart from the extension. */
function betterOnes(values, lowerIsBetter) {
  const best = lowerIsBetter ? Math.min(...values) : Math.max(...values);
  const holders = values.map((value, index) => (value === best ? index : -1)).filter((index) => index >= 0);
  return holders.length === values.length ? [] : holders;
}

/** `seededRunId`: a run that stays (the tree shows it while another is deleted). */
export async function runAnalysisUiTests({ page, workspace, seededRunId, screenshot, check, log, needs }) {
  const runsRoot = join(workspace, '.oodlens', 'runs');
  const runFolderNames = () => readdirSync(runsRoot).filter((name) => !name.startsWith('.'));

  let fullRunDir;
  const trainedAll = await check('UI: "OOD Lens: Train..." asks for every option; the run it trains has the non-default answers in its run.json', async () => {
    const before = new Set(runFolderNames());
    const title = 'OOD Lens: Train: ';
    await runPaletteCommand(page, 'OOD Lens: Train...', { log, isDone: () => quickPickTitled(page, `${title}loss`) });
    const a = FULL_TRAIN_ANSWERS;
    await answerQuickInput(page, `${title}loss`, { text: a.loss, nextTitle: `${title}lambda` });
    await answerQuickInput(page, `${title}lambda`, { text: String(a.lambda), inputBox: true, nextTitle: `${title}architecture` });
    await answerQuickInput(page, `${title}architecture`, { text: a.arch, nextTitle: `${title}dataset (ID)` });
    await answerQuickInput(page, `${title}dataset (ID)`, { text: a.dataset, nextTitle: `${title}training augmentation` });
    await answerQuickInput(page, `${title}training augmentation`, { text: a.augment, nextTitle: `${title}OOD probe set` });
    await answerQuickInput(page, `${title}OOD probe set`, { text: a.oodProbe, nextTitle: `${title}epochs` });
    await answerQuickInput(page, `${title}epochs`, { text: String(a.epochs), inputBox: true, nextTitle: `${title}batch size` });
    await answerQuickInput(page, `${title}batch size`, { text: String(a.batchSize), inputBox: true, nextTitle: `${title}learning rate` });
    await answerQuickInput(page, `${title}learning rate`, { text: String(a.lr), inputBox: true, nextTitle: `${title}learning-rate schedule` });
    await answerQuickInput(page, `${title}learning-rate schedule`, { text: a.schedule, nextTitle: `${title}seed` });
    await answerQuickInput(page, `${title}seed`, { text: String(a.seed), inputBox: true, nextTitle: `${title}training images` });
    await answerQuickInput(page, `${title}training images`, { text: String(a.limit), inputBox: true, nextTitle: `${title}backend` });
    await answerQuickInput(page, `${title}backend`, { text: a.backend });
    fullRunDir = await waitUntil(() => {
      const created = runFolderNames().filter((name) => !before.has(name));
      if (created.length === 0 || !existsSync(join(runsRoot, created[0], 'run.json'))) return undefined;
      const run = readJson(join(runsRoot, created[0], 'run.json'));
      if (run.status === 'failed') throw new Error(`the run failed: ${run.error}`);
      return run.status === 'done' ? join(runsRoot, created[0]) : undefined;
    }, 'the run "Train..." started to finish', 240_000, 1000);
    const { config } = readJson(join(fullRunDir, 'run.json'));
    const wrong = Object.entries(FULL_TRAIN_ANSWERS).filter(([key, value]) => config[key] !== value).map(([key, value]) => `${key}: asked ${value}, run.json ${config[key]}`);
    if (wrong.length > 0) throw new Error(`run.json does not hold the answers:\n${wrong.join('\n')}`);
    log(`"Train..." made ${basename(fullRunDir)} with ${JSON.stringify(FULL_TRAIN_ANSWERS)}`);
    await page.waitForTimeout(500);
    await screenshot('12-train-all-options.png');
  }, { needs, timeoutMs: 6 * 60 * 1000 });

  let sweepRunDirs;
  const swept = await check('UI: "OOD Lens: Sweep tau" refuses a bad tau list by name, then trains and evaluates one run per tau; the sweep panel draws both points and its table shows each run\'s average FPR95', async () => {
    await runPaletteCommand(page, 'OOD Lens: Sweep tau', { log, isDone: () => quickPickTitled(page, '(1/4): tau values') });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('0.02,abc');
    await page.locator('.quick-input-widget', { hasText: '"abc" is not a number' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await answerQuickInput(page, '(1/4): tau values', { text: SWEEP_TAUS.join(','), inputBox: true, nextTitle: '(2/4): dataset' });
    await acceptQuickPick(page, '(2/4): dataset', '(3/4): architecture');
    await acceptQuickPick(page, '(3/4): architecture', '(4/4): epochs');
    await answerQuickInput(page, '(4/4): epochs', { text: '1' });
    const drawn = await waitUntil(async () => {
      const frame = await findFrame(page, () => Boolean(document.querySelector('canvas#sweep-chart')));
      if (!frame) return undefined;
      const rows = await frame.evaluate(() => Array.from(document.querySelectorAll('table.sweep tbody tr')).map((row) => Array.from(row.children).map((cell) => cell.textContent)));
      if (rows.length !== SWEEP_TAUS.length || !rows.every((row) => row[2] === 'done')) return undefined;
      const painted = await paintedPixels(frame, 'canvas#sweep-chart');
      return painted > 0 ? { rows, painted } : undefined;
    }, 'the sweep panel with both taus done and its chart drawn', 420_000, 1000);
    const sweepFolder = join(runsRoot, '.sweeps');
    const [sweepName] = readdirSync(sweepFolder).filter((name) => name.endsWith('.json')).sort().reverse();
    const record = readJson(join(sweepFolder, sweepName));
    if (record.status !== 'done' || record.points.some((point) => point.status !== 'done')) throw new Error(`the sweep record says ${JSON.stringify(record.points.map((point) => point.status))}`);
    sweepRunDirs = record.points.map((point) => point.runDir);
    // Each row: tau, run id, status, the average MSP FPR95 over the evaluated OOD sets (worked out here from the file).
    for (const [index, point] of record.points.entries()) {
      const config = readJson(join(point.runDir, 'run.json')).config;
      if (config.loss !== 'logitnorm' || config.tau !== SWEEP_TAUS[index]) throw new Error(`run ${point.runId}: loss ${config.loss}, tau ${config.tau}`);
      const msp = readJson(point.evaluationFile).results.filter((row) => row.scorer === 'msp');
      const average = msp.reduce((sum, row) => sum + row.fpr95, 0) / msp.length;
      const expected = [String(SWEEP_TAUS[index]), point.runId, 'done', percentText(average)];
      const shown = drawn.rows[index].slice(0, 4);
      if (JSON.stringify(shown) !== JSON.stringify(expected)) throw new Error(`sweep table row ${index}: shows ${JSON.stringify(shown)}, expected ${JSON.stringify(expected)}`);
    }
    log(`sweep panel: ${drawn.rows.map((row) => row.join(' | ')).join(' ; ')}; chart ${drawn.painted} painted pixels`);
    await page.waitForTimeout(500);
    await screenshot('13-sweep-panel.png');
  }, { needs, timeoutMs: 10 * 60 * 1000 });

  const compared = await check('UI: "OOD Lens: Compare Runs" (the two newest evaluated runs picked already) shows the sweep runs as "A / B" cells, the better value marked', async () => {
    await runPaletteCommand(page, 'OOD Lens: Compare Runs', { log, isDone: () => quickPickTitled(page, 'Compare Runs: pick two or more') });
    await acceptQuickPick(page, 'Compare Runs: pick two or more');
    // The runs are listed last first: the second tau's run is A.
    const [runA, runB] = [...sweepRunDirs].sort().reverse();
    const [a, b] = [latestEvaluation(runA), latestEvaluation(runB)];
    const expectedRows = a.results.map((rowA) => {
      const rowB = b.results.find((row) => row.scorer === rowA.scorer && row.oodSet === rowA.oodSet);
      const metrics = [['fpr95', true], ['auroc', false], ['auprIn', false], ['auprOut', false]];
      return {
        text: [rowA.scorer, rowA.oodSet, ...metrics.map(([key]) => `${percentText(rowA[key])} / ${percentText(rowB[key])}`)],
        best: metrics.map(([key, lower]) => betterOnes([rowA[key], rowB[key]], lower).map((index) => percentText([rowA, rowB][index][key]))),
      };
    });
    const shown = await waitUntil(async () => {
      const frame = await findFrame(page, () => document.querySelectorAll('table.compare tbody tr').length > 0);
      if (!frame) return undefined;
      return frame.evaluate(() => ({
        title: document.querySelector('h1')?.textContent ?? '',
        rows: Array.from(document.querySelectorAll('table.compare:not(.compare-summary) tbody tr')).map((row) => ({
          text: Array.from(row.children).map((cell) => cell.textContent),
          best: Array.from(row.children).slice(2).map((cell) => Array.from(cell.querySelectorAll('.best')).map((span) => span.textContent)),
        })),
        summary: Array.from(document.querySelectorAll('table.compare-summary tbody tr')).map((row) => Array.from(row.children).map((cell) => cell.textContent)),
      }));
    }, 'the compare panel\'s table', 30_000);
    if (!shown.title.includes(`A: ${basename(runA)}`) || !shown.title.includes(`B: ${basename(runB)}`)) throw new Error(`the compare panel shows "${shown.title}"`);
    if (JSON.stringify(shown.rows) !== JSON.stringify(expectedRows)) throw new Error(`compare table:\n  shows    ${JSON.stringify(shown.rows)}\n  expected ${JSON.stringify(expectedRows)}`);
    const accuracy = shown.summary.find((row) => row[0].startsWith('ID accuracy'));
    if (accuracy?.[1] !== `${percentText(a.idAccuracy)} / ${percentText(b.idAccuracy)}`) throw new Error(`ID accuracy row: ${JSON.stringify(accuracy)}`);
    log(`compare panel: ${shown.rows.map((row) => row.text.join(' | ')).join(' ; ')} ; ${shown.summary.map((row) => row.join(' ')).join(' ; ')}`);
    await page.waitForTimeout(500);
    await screenshot('14-compare-panel.png');
  }, { needs: { swept } });

  await check('UI: "OOD Lens: Delete Run" asks which run, then for confirmation; the run folder and its tree row are gone', async () => {
    const runId = basename(fullRunDir);
    const row = page.locator('.part.sidebar .monaco-list-row', { hasText: runId });
    const seededRow = page.locator('.part.sidebar .monaco-list-row', { hasText: seededRunId }).first();
    if (!(await seededRow.isVisible().catch(() => false))) await page.locator(ACTIVITY_BAR_ENTRY).first().click();
    await row.first().waitFor({ state: 'visible', timeout: 20_000 });
    await runPaletteCommand(page, 'OOD Lens: Delete Run', { log, isDone: () => quickPickTitled(page, 'delete which run?') });
    await answerQuickInput(page, 'delete which run?', { text: runId });
    const dialog = page.locator('.monaco-dialog-box', { hasText: `Delete run ${runId}?` }).first();
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    await screenshot('15-delete-confirmation.png');
    await dialog.locator('.monaco-button', { hasText: /^Delete$/ }).first().click();
    await waitUntil(() => !existsSync(fullRunDir), `${fullRunDir} to be removed`, 20_000);
    await waitUntil(async () => (await row.count()) === 0 && (await seededRow.isVisible()), `the tree row of ${runId} to go (the other runs staying)`, 20_000);
    log(`deleted ${runId}: folder and tree row gone`);
  }, { needs: { trainedAll } });

  await check('UI: after a reload the sweep and compare panels come back (their serializers read the sweep file and the runs again) and draw', async () => {
    await page.keyboard.press('Escape');
    await reloadWindow(page, { log });
    // Only the active tab's webview loads after a reload: click each tab in turn.
    const sweepTab = page.locator('.tabs-container .tab', { hasText: 'OOD Lens: sweep-' }).first();
    await sweepTab.waitFor({ state: 'visible', timeout: 30_000 });
    await sweepTab.click();
    const sweep = await waitUntil(async () => {
      const frame = await findFrame(page, () => document.querySelectorAll('table.sweep tbody tr').length > 0);
      if (!frame) return undefined;
      const painted = await paintedPixels(frame, 'canvas#sweep-chart');
      const statuses = await frame.evaluate(() => Array.from(document.querySelectorAll('table.sweep tbody tr')).map((row) => row.children[2].textContent));
      return painted > 0 && statuses.length === SWEEP_TAUS.length ? { painted, statuses } : undefined;
    }, 'the revived sweep panel to draw its chart and table', 60_000);
    const compareTab = page.locator('.tabs-container .tab', { hasText: 'OOD Lens: compare' }).first();
    await compareTab.click();
    const rows = await waitUntil(async () => {
      const frame = await findFrame(page, () => document.querySelectorAll('table.compare tbody tr').length > 0);
      return frame ? frame.evaluate(() => document.querySelectorAll('table.compare:not(.compare-summary) tbody tr').length) : undefined;
    }, 'the revived compare panel to draw its table', 60_000);
    log(`revived sweep panel: ${sweep.statuses.join(', ')}, ${sweep.painted} painted pixels; revived compare panel: ${rows} rows`);
  }, { needs: { swept, compared } });
}
