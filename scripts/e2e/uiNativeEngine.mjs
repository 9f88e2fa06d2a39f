// The native-engine stage: the installed extension gets tfjs-node and trains on it. In a
// workspace of its own (LeNet, MNIST, 1 epoch of 51,200 images: 400 steps, the fewest LeNet's
// recipe learns in, core/train/recipe.ts MIN_STEPS; 6,400 images, 50 steps, ended at 11.7%), as a person would:
//   1. "Train with LogitNorm" from the palette: 'auto' lands on wasm, the status bar says
//      "OOD Lens: wasm" and a notification offers "Set Up" / "Not now" / "Don't ask again";
//      "Not now"; the run's run.json says wasm;
//   2. "OOD Lens: Set Up Native TensorFlow" from the palette: the progress notification, then the
//      "is set up" one; the global storage holds the native folder and its record;
//   3. "Train with LogitNorm" again: the status bar says "OOD Lens: tfjs-node", and run.json's
//      backend is tensorflow, loaded from that folder. Both runs' images/s are logged.
// The set-up reuses the clone's caches (nativeStageEnv, passed to code-server): .cache/native/
// (the unpacked TensorFlow libraries and the built addon; the first run fills it, a rerun takes
// seconds) and .cache/npm/ (npm's downloads). Runs after the other stages: from step 2 on, every
// job of this code-server would use tfjs-node.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { E2E_WORKSPACE_SETTINGS } from './workspaceSettings.mjs';
import { acceptQuickPick, folderUrl, quickPickTitled, runPaletteCommand, waitForWorkbench, waitUntil } from './workbench.mjs';

const EXTENSION_ID = 'ood-lens.ood-lens';
const ACTIVITY_BAR_ENTRY = '.part.activitybar [aria-label^="OOD Lens"]';
const NATIVE_SETTINGS = { 'oodLens.defaultArchitecture': 'lenet', 'oodLens.defaultEpochs': 1, 'oodLens.defaultLimit': 51200 };
/** A cold set-up downloads a 270 MB wheel, unpacks 850 MB and compiles the addon. */
const SET_UP_DEADLINE_MILLISECONDS = 25 * 60 * 1000;

/**
 * The environment code-server (and so the extension host and its set-up) runs with: the clone's
 * caches, and this machine's pip configuration. code-server runs with a HOME of the run's own, so
 * pip would not read the user's pip.conf, which is where a machine may name its local package
 * index; PIP_CONFIG_FILE passes it on.
 */
export function nativeStageEnv(projectRoot) {
  const env = { OOD_LENS_NATIVE_CACHE: join(projectRoot, '.cache', 'native'), npm_config_cache: join(projectRoot, '.cache', 'npm') };
  const pipConfig = [process.env.PIP_CONFIG_FILE, join(homedir(), '.config', 'pip', 'pip.conf'), join(homedir(), '.pip', 'pip.conf')].find((file) => file && existsSync(file));
  if (pipConfig) env.PIP_CONFIG_FILE = pipConfig;
  return env;
}

/** Workspace settings for short LeNet jobs (the other e2e settings: the data folder, the probe). */
export function writeNativeWorkspaceSettings(workspace, dataFolder) {
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ ...E2E_WORKSPACE_SETTINGS, ...NATIVE_SETTINGS, 'workbench.hover.delay': 60_000, 'oodLens.dataFolder': dataFolder }, null, 2));
}

function runIds(runsRoot) {
  return existsSync(runsRoot) ? readdirSync(runsRoot).filter((name) => !name.startsWith('.')) : [];
}

/**
 * runPaletteCommand, once more after a pause when the palette had no row for `title`: in a window
 * opened a moment before, the palette can still be filling its list (seen once: it offered only
 * other commands). A command that really is missing fails the second time too.
 */
async function paletteCommand(page, title, options) {
  try {
    await runPaletteCommand(page, title, options);
  } catch (error) {
    if (!/no palette row is labelled/.test(error.message)) throw error;
    options.log(`palette "${title}": ${error.message}; again in 3 s`);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(3000);
    await runPaletteCommand(page, title, options);
  }
}

/**
 * Runs "Train with LogitNorm" with the workspace's defaults; while it runs, waits for the status
 * bar to say "OOD Lens: <engine>" and calls `whileRunning`; once the run is done, checks that its
 * run.json names `backend`. Returns the run.json and the epoch's images/s.
 */
async function trainFromPalette({ page, workspace, log, engine, backend, whileRunning }) {
  const runsRoot = join(workspace, '.oodlens', 'runs');
  const before = new Set(runIds(runsRoot));
  await paletteCommand(page, 'OOD Lens: Train with LogitNorm', { log, isDone: () => quickPickTitled(page, '(1/3): dataset') });
  await acceptQuickPick(page, '(1/3): dataset', '(2/3): architecture');
  await acceptQuickPick(page, '(2/3): architecture', '(3/3): epochs');
  await acceptQuickPick(page, '(3/3): epochs');
  const runId = await waitUntil(() => runIds(runsRoot).find((id) => !before.has(id)), 'the new run folder', 60_000, 200);
  await statusBarItem(page, `OOD Lens: ${engine}`).waitFor({ state: 'visible', timeout: 60_000 });
  await whileRunning();
  const record = await waitUntil(() => {
    const read = JSON.parse(readFileSync(join(runsRoot, runId, 'run.json'), 'utf8'));
    if (read.status === 'failed') throw new Error(`run ${runId} failed: ${read.error}`);
    return read.status === 'done' ? read : undefined;
  }, `run ${runId} to finish`, 5 * 60 * 1000, 500);
  if (record.backend?.name !== backend) throw new Error(`run ${runId} ran on ${JSON.stringify(record.backend)}, expected ${backend}`);
  const [epoch] = readFileSync(join(runsRoot, runId, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  log(`${engine} run ${runId}: ${epoch.imagesPerSecond.toFixed(0)} images/s, test acc ${(100 * epoch.testAccuracy).toFixed(2)}% (${record.backend.reason})`);
  return { record, imagesPerSecond: epoch.imagesPerSecond };
}

function statusBarItem(page, text) {
  return page.locator('.part.statusbar .statusbar-item', { hasText: text }).first();
}

function toast(page, text) {
  return page.locator('.notification-toast', { hasText: text }).first();
}

export async function runNativeEngineUiTest({ context, baseUrl, workspace, dataFolder, userDataDir, artifactsDir, recorder, log }) {
  writeNativeWorkspaceSettings(workspace, dataFolder);
  const page = await context.newPage();
  const screenshot = (name) => page.screenshot({ path: join(artifactsDir, name) }).catch((error) => log(`screenshot ${name} failed: ${error.message}`));
  recorder.onFailure = async (name, index) => {
    const file = `failed-${String(index).padStart(2, '0')}-${name.replace(/^native: /, '').replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`;
    await screenshot(file);
    return `screenshot: ${join(artifactsDir, file)}; the set-up's log is in the "OOD Lens" output channel (${join(artifactsDir, 'code-server-logs')})`;
  };
  const check = (name, body, options) => recorder.check(name, body, options);
  const nativeFolder = join(userDataDir, 'User', 'globalStorage', EXTENSION_ID, 'native');
  const measured = {};

  const opened = await check('native: the workbench opens the native-engine workspace', async () => {
    await page.goto(folderUrl(baseUrl, workspace), { timeout: 60_000 });
    await waitForWorkbench(page);
    await page.locator(ACTIVITY_BAR_ENTRY).first().waitFor({ state: 'visible', timeout: 60_000 });
    if (existsSync(nativeFolder)) throw new Error(`${nativeFolder} exists before the set-up: the stage needs a fresh global storage`);
  });

  await check('native: a job that \'auto\' puts on wasm says "OOD Lens: wasm" in the status bar and offers "Set Up" / "Not now" / "Don\'t ask again"; its run.json says wasm', async () => {
    let offered = false;
    const { imagesPerSecond } = await trainFromPalette({
      page,
      workspace,
      log,
      engine: 'wasm',
      backend: 'wasm',
      whileRunning: async () => {
        const offer = toast(page, 'Native TensorFlow (tfjs-node)');
        await offer.waitFor({ state: 'visible', timeout: 30_000 });
        for (const label of ['Set Up', 'Not now', "Don't ask again"]) await offer.locator('.monaco-button', { hasText: label }).first().waitFor({ state: 'visible', timeout: 5000 });
        await screenshot('20-native-offer.png');
        await offer.locator('.monaco-button', { hasText: 'Not now' }).first().click();
        offered = true;
      },
    });
    if (!offered) throw new Error('no offer was seen');
    measured.wasm = imagesPerSecond;
  }, { needs: { opened }, timeoutMs: 8 * 60 * 1000 });

  const setUp = await check('native: "OOD Lens: Set Up Native TensorFlow" from the palette installs tfjs-node into the global storage, with a progress notification', async () => {
    const startedAt = Date.now();
    await paletteCommand(page, 'OOD Lens: Set Up Native TensorFlow', {
      log,
      isDone: () => toast(page, 'setting up native TensorFlow').waitFor({ state: 'visible', timeout: 20_000 }),
    });
    await screenshot('21-native-setting-up.png');
    const outcome = await waitUntil(async () => {
      if (await toast(page, 'could not be set up').isVisible()) return { failed: (await toast(page, 'could not be set up').innerText()).replace(/\s+/g, ' ') };
      if (await toast(page, 'native TensorFlow is set up in').isVisible()) return { text: (await toast(page, 'native TensorFlow is set up in').innerText()).replace(/\s+/g, ' ') };
      return undefined;
    }, 'the set-up to end', SET_UP_DEADLINE_MILLISECONDS, 1000);
    if (outcome.failed) throw new Error(outcome.failed);
    const seconds = (Date.now() - startedAt) / 1000;
    const recordFile = join(nativeFolder, 'ood-lens-native.json');
    if (!existsSync(recordFile)) throw new Error(`the set-up says it is done, but ${recordFile} is missing`);
    const record = JSON.parse(readFileSync(recordFile, 'utf8'));
    for (const copy of ['tfjs', 'tfjs-core']) {
      if (existsSync(join(nativeFolder, 'node_modules', '@tensorflow', copy))) throw new Error(`the native folder holds its own @tensorflow/${copy}: its backend would register on another tfjs-core`);
    }
    measured.setUpSeconds = seconds;
    log(`set up in ${seconds.toFixed(1)} s: ${outcome.text} (record: route ${record.route}, TensorFlow ${record.tensorflow}, ${record.seconds} s in the installer)`);
    await screenshot('22-native-set-up.png');
  }, { needs: { opened }, timeoutMs: SET_UP_DEADLINE_MILLISECONDS + 2 * 60 * 1000 });

  await check('native: the next job trains on tfjs-node: the status bar says "OOD Lens: tfjs-node" and run.json\'s backend is tensorflow, loaded from the native folder', async () => {
    const { record, imagesPerSecond } = await trainFromPalette({ page, workspace, log, engine: 'tfjs-node', backend: 'tensorflow', whileRunning: () => screenshot('23-native-training.png') });
    if (!record.backend.reason.includes(`loaded from ${nativeFolder}`)) throw new Error(`run ${record.id}'s backend reason does not name the native folder: ${record.backend.reason}`);
    measured.native = imagesPerSecond;
    if (measured.wasm) log(`LeNet, MNIST, 1 epoch of 51,200 images through the extension's jobs: wasm ${measured.wasm.toFixed(0)} images/s, tfjs-node ${measured.native.toFixed(0)} images/s (x${(measured.native / measured.wasm).toFixed(2)})`);
  }, { needs: { setUp }, timeoutMs: 8 * 60 * 1000 });

  writeFileSync(join(artifactsDir, 'native-engine.json'), JSON.stringify(measured, null, 2));
  recorder.onFailure = async () => undefined;
  await page.close();
}
