// A manual check of the Explorer right-click flow in a real VS Code (code-server + headless
// Chromium), built from the e2e harness's modules without changing them; for the lead to fold into
// `npm run test:e2e`. Needs `npm run package` first. Run from the project root:
//   node scripts/onnx/explorer-flow-check.mjs
// It copies the fixture model and a sidecar (whose answers the quick picks then offer first) into
// a fresh workspace, right-clicks model.onnx in the Explorer, picks "Evaluate OOD (ONNX model)",
// accepts the four quick picks, waits for the evaluation file, and screenshots the context menu,
// the evaluation panel and the Runs tree into .scratch/ui/artifacts/.
import { mkdirSync, mkdtempSync, copyFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { codeServerEnv, freePort, installExtension, startCodeServer, writeUserSettings } from '../e2e/codeServer.mjs';
import { ensurePrerequisites } from '../e2e/prerequisites.mjs';
import { ProcessOwner } from '../e2e/processes.mjs';
import { launchBrowser, folderUrl, waitForWorkbench, acceptQuickPick, waitUntil } from '../e2e/workbench.mjs';

const ROOT = resolve('.');
const ART = resolve('.scratch/ui/artifacts');
mkdirSync(ART, { recursive: true });
const log = (m) => console.log(`[ui] ${m}`);
const owner = new ProcessOwner();
const root = mkdtempSync(join(tmpdir(), 'wt12-onnx-ui-'));
const f = { root, home: join(root, 'home'), tmp: join(root, 'tmp'), userData: join(root, 'ud'), extensions: join(root, 'ext'), browserProfile: join(root, 'prof'), ws: join(root, 'ws') };
for (const d of Object.values(f)) mkdirSync(d, { recursive: true });
try {
  const bin = ensurePrerequisites(ROOT, log);
  const env = codeServerEnv(f);
  writeUserSettings(f.userData);
  installExtension({ bin, vsix: join(ROOT, 'ood-lens.vsix'), extensionsDir: f.extensions, userDataDir: f.userData, env, extensionId: 'ood-lens.ood-lens' });
  copyFileSync('test/fixtures/onnx/cifar10-small/model.onnx', join(f.ws, 'model.onnx'));
  const data = resolve('test/fixtures/onnx/cifar10-small/id');
  writeFileSync(join(f.ws, 'model.oodlens.json'), JSON.stringify({ dataset: data, preset: 'cifar10', ood: ['gaussian', 'uniform'], scorers: ['msp', 'odin', 'energy', 'knn'] }));
  mkdirSync(join(f.ws, '.vscode'), { recursive: true });
  writeFileSync(join(f.ws, '.vscode', 'settings.json'), JSON.stringify({ 'oodLens.evaluationOodCount': 200, 'oodLens.backend': 'cpu', 'workbench.startupEditor': 'none' }));
  const port = await freePort();
  const baseUrl = await startCodeServer({ owner, bin, port, userDataDir: f.userData, extensionsDir: f.extensions, env, logFile: join(ART, 'code-server.log') });
  const context = await launchBrowser({ owner, userDataDir: f.browserProfile, env: { ...env, HOME: f.home, TMPDIR: f.tmp } });
  const page = await context.newPage();
  globalThis.__page = page;
  await page.goto(folderUrl(baseUrl, f.ws), { timeout: 60_000 });
  await waitForWorkbench(page);
  await page.waitForTimeout(3000);
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'model.onnx' }).first();
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  await row.click({ button: 'right' });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(ART, '00-after-right-click.png') });
  log('menus: ' + JSON.stringify(await page.evaluate(() => Array.from(document.querySelectorAll('.context-view, .monaco-menu')).map((e) => e.textContent?.slice(0, 600)))));
  const item = page.locator('.context-view .action-label', { hasText: 'Evaluate OOD (ONNX model)' }).first();
  await item.waitFor({ state: 'visible', timeout: 20_000 });
  await page.screenshot({ path: join(ART, '01-context-menu.png') });
  await item.click();
  await acceptQuickPick(page, 'Evaluate OOD (1/4)', 'Evaluate OOD (2/4)');
  await acceptQuickPick(page, 'Evaluate OOD (2/4)', 'Evaluate OOD (3/4)');
  await acceptQuickPick(page, 'Evaluate OOD (3/4)', 'Evaluate OOD (4/4)');
  await page.screenshot({ path: join(ART, '02-scorers.png') });
  await acceptQuickPick(page, 'Evaluate OOD (4/4)');
  const runs = join(f.ws, '.oodlens', 'runs');
  await waitUntil(async () => existsSync(runs) && readdirSync(runs).some((r) => existsSync(join(runs, r, 'evaluations')) && readdirSync(join(runs, r, 'evaluations')).length > 0), 'an evaluation file', 180_000, 1000);
  log(`runs: ${readdirSync(runs).join(', ')}`);
  await page.waitForTimeout(8000);
  await page.screenshot({ path: join(ART, '03-evaluation-panel.png') });
  // The Runs tree
  await page.locator('.activitybar .action-item a[aria-label*="OOD Lens"]').first().click().catch((e) => log(`activity bar: ${e.message}`));
  await page.waitForTimeout(3000);
  const runRow = page.locator('.monaco-list-row', { hasText: 'imported' }).first();
  await runRow.waitFor({ state: 'visible', timeout: 30_000 });
  const twistie = runRow.locator('.monaco-tl-twistie');
  await twistie.click().catch(() => {});
  await page.waitForTimeout(2000);
  await page.screenshot({ path: join(ART, '04-runs-tree.png') });
  log('done');
} catch (e) {
  log(`FAILED: ${e.stack ?? e}`);
  await globalThis.__page?.screenshot({ path: join(ART, 'failed.png') }).catch(() => {});
  process.exitCode = 1;
} finally {
  await owner.stopAll(log);
}
