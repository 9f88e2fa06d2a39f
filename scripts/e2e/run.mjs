#!/usr/bin/env node
// `npm run test:e2e`: the extension in a real VS Code. Installs what is missing (Chromium,
// code-server), builds and packages the .vsix, installs it into a fresh extensions folder,
// starts code-server on 127.0.0.1 and drives it with playwright-core: package checks, the UI
// test and the extension-host mocha suites. Stops everything it started, also on failure,
// timeout or Ctrl-C, and ends with "e2e: N passed, N failed" (exit 1 when any failed).
//
// Options: --keep             leave the run folder (/tmp/ood-lens-e2e-*) for a look afterwards;
//          --only=ui,host      run only these stages (package checks, ui, host, native); default all.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { CheckRecorder } from './checks.mjs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerEnv, freePort, installExtension, startCodeServer, writeUserSettings } from './codeServer.mjs';
import { bundleHostSuite, runHostTests } from './hostTests.mjs';
import { checkEngineRuntime, checkVsixContents } from './packageChecks.mjs';
import { ensurePrerequisites } from './prerequisites.mjs';
import { ProcessOwner } from './processes.mjs';
import { runUiTests, seedRunFolder } from './uiTest.mjs';
import { nativeStageEnv, runNativeEngineUiTest } from './uiNativeEngine.mjs';
import { launchBrowser } from './workbench.mjs';
import { linkMnistDataFolder, writeWorkspaceSettings } from './workspaceSettings.mjs';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXTENSION_ID = 'ood-lens.ood-lens';
const VSIX_PATH = join(PROJECT_ROOT, 'ood-lens.vsix');
const ARTIFACTS_DIR = join(PROJECT_ROOT, 'artifacts', 'e2e');
const keepRunFolder = process.argv.includes('--keep');
const ALL_STAGES = ['package', 'ui', 'host', 'native'];
const onlyArgument = process.argv.find((argument) => argument.startsWith('--only='));
const stages = new Set(onlyArgument ? onlyArgument.slice('--only='.length).split(',') : ALL_STAGES);
for (const stage of stages) {
  if (!ALL_STAGES.includes(stage)) {
    console.error(`unknown stage "${stage}"; stages are ${ALL_STAGES.join(', ')}`);
    process.exit(2);
  }
}
/** Everything after the installs (build, package, code-server, the test stages); a cold native set-up may take 25 minutes more. */
const TEST_STAGES_TIMEOUT_MILLISECONDS = (stages.has('native') ? 60 : 30) * 60 * 1000;

const startedAt = Date.now();
const seconds = () => ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
const log = (message) => console.log(`[e2e ${seconds()}s] ${message}`);

const recorder = new CheckRecorder(log);
const check = (name, body, options) => recorder.check(name, body, options);

const owner = new ProcessOwner();
let runFolder;
let finishing = false;

async function finish(reason) {
  if (finishing) return;
  finishing = true;
  if (reason) log(reason);
  await owner.stopAll(log);
  keepWorkbenchLogs();
  if (runFolder && !keepRunFolder) rmSync(runFolder, { recursive: true, force: true });
  else if (runFolder) log(`run folder kept: ${runFolder}`);
  log(`screenshots and logs in ${ARTIFACTS_DIR}`);
  log(`took ${seconds().trim()} s`);
  process.exit(recorder.summarize());
}

/** code-server's logs (the extension host's, the "OOD Lens" output channel's) into the artifacts. */
function keepWorkbenchLogs() {
  const logs = runFolder && join(runFolder, 'code-server-user-data', 'logs');
  if (!logs || !existsSync(logs)) return;
  try {
    cpSync(logs, join(ARTIFACTS_DIR, 'code-server-logs'), { recursive: true });
  } catch (error) {
    log(`could not copy ${logs}: ${error.message}`);
  }
}

process.on('SIGINT', () => void finish('interrupted (SIGINT)'));
process.on('SIGTERM', () => void finish('terminated (SIGTERM)'));
// A promise nobody awaited that fails is a harness bug: record it and go on, never die silently.
process.on('unhandledRejection', (reason) => {
  recorder.record('the e2e harness awaits or catches every promise', 'failed', reason instanceof Error ? reason.stack ?? reason.message : String(reason));
});
process.on('uncaughtException', (error) => {
  recorder.record('the e2e harness throws nothing uncaught', 'failed', error.stack ?? String(error));
  void finish('ending after an uncaught exception');
});

function runFolders() {
  runFolder = mkdtempSync(join(tmpdir(), 'ood-lens-e2e-'));
  const folders = {
    root: runFolder,
    home: join(runFolder, 'home'),
    tmp: join(runFolder, 'tmp'),
    userData: join(runFolder, 'code-server-user-data'),
    extensions: join(runFolder, 'extensions'),
    browserProfile: join(runFolder, 'chromium-profile'),
    uiWorkspace: join(runFolder, 'workspace-ui'),
    hostWorkspace: join(runFolder, 'workspace-host-tests'),
    nativeWorkspace: join(runFolder, 'workspace-native'),
  };
  for (const folder of Object.values(folders)) mkdirSync(folder, { recursive: true });
  return folders;
}

const STAGE_NAMES = { package: 'the package checks', ui: 'the UI checks', host: 'the extension-host suite', native: 'the native-engine checks' };

/** Says which of the selected `among` stages will not run, and why. */
function skipStages(reason, among = ALL_STAGES) {
  for (const stage of among.filter((name) => stages.has(name))) recorder.record(STAGE_NAMES[stage], 'skipped', `not run: ${reason}`);
}

async function main() {
  rmSync(ARTIFACTS_DIR, { recursive: true, force: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });

  let codeServerBin;
  const ready = await check('setup: Chromium and code-server are installed', async () => {
    codeServerBin = ensurePrerequisites(PROJECT_ROOT, log);
  }, { timeoutMs: 20 * 60 * 1000 });
  if (!ready) return skipStages('Chromium and code-server are missing');

  // From here on a watchdog ends the run: every process is stopped, the run fails.
  setTimeout(() => {
    recorder.record('the e2e run finished in time', 'failed', 'timeout');
    void finish(`timed out after ${TEST_STAGES_TIMEOUT_MILLISECONDS / 60000} minutes`);
  }, TEST_STAGES_TIMEOUT_MILLISECONDS).unref();

  const packaged = await check('package: npm run package builds ood-lens.vsix', async () => {
    rmSync(VSIX_PATH, { force: true });
    const build = spawnSync('npm', ['run', 'package'], { cwd: PROJECT_ROOT, stdio: 'inherit', timeout: 5 * 60 * 1000 });
    if (build.status !== 0) throw new Error(`npm run package exited with ${build.status ?? build.signal}`);
    log(`ood-lens.vsix: ${(statSync(VSIX_PATH).size / 1024 / 1024).toFixed(2)} MiB`);
  });
  if (!packaged) return skipStages('there is no .vsix');

  const folders = runFolders();
  const env = { ...codeServerEnv(folders), ...nativeStageEnv(PROJECT_ROOT) };
  writeUserSettings(folders.userData);
  const dataFolder = linkMnistDataFolder(PROJECT_ROOT, folders.root);
  for (const workspace of [folders.uiWorkspace, folders.hostWorkspace]) writeWorkspaceSettings(workspace, dataFolder);

  let extensionFolder;
  const installed = await check('package: code-server --install-extension installs the .vsix', async () => {
    extensionFolder = installExtension({ bin: codeServerBin, vsix: VSIX_PATH, extensionsDir: folders.extensions, userDataDir: folders.userData, env, extensionId: EXTENSION_ID });
  });
  if (!installed) return skipStages('the .vsix did not install');

  if (stages.has('package')) {
    await check('package: the .vsix holds dist/, media/ and the engine runtime, and no sources, tests, maps, data sets or dev dependencies', async () => {
      const { fileCount, bytes } = checkVsixContents(extensionFolder);
      log(`installed extension: ${fileCount} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB unpacked`);
    });
    await check('package: the engine runtime (tfjs + wasm backend, pngjs, jpeg-js) loads from the .vsix and trains a step', async () => {
      log(checkEngineRuntime(extensionFolder, { ...env, NODE_PATH: '' }));
    });
  }
  if (!stages.has('ui') && !stages.has('host') && !stages.has('native')) return;

  const port = await freePort();
  let baseUrl;
  const started = await check('setup: code-server serves on 127.0.0.1', async () => {
    baseUrl = await startCodeServer({ owner, bin: codeServerBin, port, userDataDir: folders.userData, extensionsDir: folders.extensions, env, logFile: join(ARTIFACTS_DIR, 'code-server.log') });
    log(`code-server ${baseUrl}`);
  });
  if (!started) return skipStages('code-server did not start', ['ui', 'host', 'native']);

  let context;
  const browserUp = await check('setup: headless Chromium starts', async () => {
    context = await launchBrowser({ owner, userDataDir: folders.browserProfile, env: { ...env, HOME: folders.home, TMPDIR: folders.tmp } });
  });
  if (!browserUp) return skipStages('Chromium did not start', ['ui', 'host', 'native']);

  if (stages.has('ui')) {
    seedRunFolder(folders.uiWorkspace);
    await runUiTests({ context, baseUrl, workspace: folders.uiWorkspace, artifactsDir: ARTIFACTS_DIR, projectRoot: PROJECT_ROOT, recorder, log });
  }
  if (stages.has('host')) await runHostStage({ context, baseUrl, folders, extensionFolder });
  // Last: once it has set up tfjs-node, every job of this code-server uses it.
  if (stages.has('native')) {
    await runNativeEngineUiTest({ context, baseUrl, workspace: folders.nativeWorkspace, dataFolder, userDataDir: folders.userData, artifactsDir: ARTIFACTS_DIR, recorder, log });
  }
}

async function runHostStage({ context, baseUrl, folders, extensionFolder }) {
  const resultsFile = join(folders.root, 'host-test-results.json');
  let suiteFile;
  const bundled = await check('host: the extension-host suite bundles', async () => {
    suiteFile = await bundleHostSuite(PROJECT_ROOT, resultsFile);
  });
  if (!bundled) return skipStages('the suite did not bundle', ['host']);
  // The suite trains and evaluates for real (a tau sweep among them): give it 15 minutes.
  const { exitCode, summary } = await runHostTests({ context, baseUrl, workspace: folders.hostWorkspace, extensionFolder, suiteFile, resultsFile, artifactsDir: ARTIFACTS_DIR, log, timeoutMs: 15 * 60 * 1000 });
  writeFileSync(join(ARTIFACTS_DIR, 'extension-host-results.json'), JSON.stringify({ exitCode, summary }, null, 2));
  if (!summary) {
    recorder.record('host: the extension-host mocha suite ran', 'failed', `no results; the extension host exit code was ${exitCode}`);
    return;
  }
  if (summary.passed + summary.failed === 0) recorder.record('host: the extension-host mocha suite ran more than zero tests', 'failed', `mocha ran no test; the extension host exit code was ${exitCode}`);
  for (const title of summary.passes) recorder.record(`host: ${title}`, 'passed');
  for (const failure of summary.failures) recorder.record(`host: ${failure.title}`, 'failed', failure.error.split('\n').slice(0, 8).join('\n'));
  log(`extension-host suite: ${summary.passed} passed, ${summary.failed} failed, host exit code ${exitCode}`);
  const exitAgrees = (summary.failed === 0 && summary.passed > 0) === (exitCode === 0);
  if (!exitAgrees) recorder.record('host: the extension host exit code agrees with mocha', 'failed', `exit code ${exitCode}, ${summary.passed} passed, ${summary.failed} failed`);
}

main()
  .catch((error) => {
    recorder.record('the e2e harness itself', 'failed', error.stack ?? String(error));
  })
  .finally(() => finish());
