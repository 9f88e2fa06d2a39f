#!/usr/bin/env node
// `npm run test:e2e`: the extension in a real VS Code. Installs what is missing (Chromium,
// code-server), builds and packages the .vsix, installs it into a fresh extensions folder,
// starts code-server on 127.0.0.1 and drives it with playwright-core: package checks, the UI
// test and the extension-host mocha suites. Stops everything it started, also on failure,
// timeout or Ctrl-C, and ends with "e2e: N passed, N failed" (exit 1 when any failed).
//
// Options: --keep             leave the run folder (/tmp/ood-lens-e2e-*) for a look afterwards;
//          --only=ui,host      run only these stages (package checks, ui, host); default all.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerEnv, freePort, installExtension, startCodeServer, writeUserSettings } from './codeServer.mjs';
import { bundleHostSuite, runHostTests } from './hostTests.mjs';
import { checkEngineRuntime, checkVsixContents } from './packageChecks.mjs';
import { ensurePrerequisites } from './prerequisites.mjs';
import { ProcessOwner } from './processes.mjs';
import { runUiTests, seedRunFolder } from './uiTest.mjs';
import { launchBrowser } from './workbench.mjs';
import { linkMnistDataFolder, writeWorkspaceSettings } from './workspaceSettings.mjs';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXTENSION_ID = 'ood-lens.ood-lens';
const VSIX_PATH = join(PROJECT_ROOT, 'ood-lens.vsix');
const ARTIFACTS_DIR = join(PROJECT_ROOT, 'artifacts', 'e2e');
/** Everything after the installs (build, package, code-server, both test stages). */
const TEST_STAGES_TIMEOUT_MILLISECONDS = 30 * 60 * 1000;
const keepRunFolder = process.argv.includes('--keep');
const ALL_STAGES = ['package', 'ui', 'host'];
const onlyArgument = process.argv.find((argument) => argument.startsWith('--only='));
const stages = new Set(onlyArgument ? onlyArgument.slice('--only='.length).split(',') : ALL_STAGES);
for (const stage of stages) {
  if (!ALL_STAGES.includes(stage)) {
    console.error(`unknown stage "${stage}"; stages are ${ALL_STAGES.join(', ')}`);
    process.exit(2);
  }
}

const startedAt = Date.now();
const seconds = () => ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
const log = (message) => console.log(`[e2e ${seconds()}s] ${message}`);

/** @type {Array<{ name: string, passed: boolean, error?: string }>} */
const results = [];

/** Runs one named check; records it as passed or failed; returns whether it passed. */
async function check(name, body) {
  const checkStartedAt = Date.now();
  try {
    await body();
    results.push({ name, passed: true });
    log(`PASS ${name} (${((Date.now() - checkStartedAt) / 1000).toFixed(1)} s)`);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    results.push({ name, passed: false, error: message });
    log(`FAIL ${name}\n       ${message.split('\n').join('\n       ')}`);
    return false;
  }
}

const owner = new ProcessOwner();
let runFolder;
let finishing = false;

async function finish(reason) {
  if (finishing) return;
  finishing = true;
  if (reason) log(reason);
  await owner.stopAll(log);
  if (runFolder && !keepRunFolder) rmSync(runFolder, { recursive: true, force: true });
  else if (runFolder) log(`run folder kept: ${runFolder}`);
  const passed = results.filter((result) => result.passed).length;
  const failed = results.length - passed;
  for (const result of results.filter((r) => !r.passed)) console.log(`  failed: ${result.name}`);
  log(`screenshots and logs in ${ARTIFACTS_DIR}`);
  log(`took ${seconds().trim()} s`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

process.on('SIGINT', () => void finish('interrupted (SIGINT)'));
process.on('SIGTERM', () => void finish('terminated (SIGTERM)'));

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
  };
  for (const folder of Object.values(folders)) mkdirSync(folder, { recursive: true });
  return folders;
}

async function main() {
  rmSync(ARTIFACTS_DIR, { recursive: true, force: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });

  let codeServerBin;
  const ready = await check('setup: Chromium and code-server are installed', async () => {
    codeServerBin = ensurePrerequisites(PROJECT_ROOT, log);
  });
  if (!ready) return;

  // From here on a watchdog ends the run: every process is stopped, the run fails.
  setTimeout(() => {
    results.push({ name: 'the e2e run finished in time', passed: false, error: 'timeout' });
    void finish(`timed out after ${TEST_STAGES_TIMEOUT_MILLISECONDS / 60000} minutes`);
  }, TEST_STAGES_TIMEOUT_MILLISECONDS).unref();

  const packaged = await check('package: npm run package builds ood-lens.vsix', async () => {
    rmSync(VSIX_PATH, { force: true });
    const build = spawnSync('npm', ['run', 'package'], { cwd: PROJECT_ROOT, stdio: 'inherit', timeout: 5 * 60 * 1000 });
    if (build.status !== 0) throw new Error(`npm run package exited with ${build.status ?? build.signal}`);
    log(`ood-lens.vsix: ${(statSync(VSIX_PATH).size / 1024 / 1024).toFixed(2)} MiB`);
  });
  if (!packaged) return;

  const folders = runFolders();
  const env = codeServerEnv(folders);
  writeUserSettings(folders.userData);
  const dataFolder = linkMnistDataFolder(PROJECT_ROOT, folders.root);
  for (const workspace of [folders.uiWorkspace, folders.hostWorkspace]) writeWorkspaceSettings(workspace, dataFolder);

  let extensionFolder;
  const installed = await check('package: code-server --install-extension installs the .vsix', async () => {
    extensionFolder = installExtension({ bin: codeServerBin, vsix: VSIX_PATH, extensionsDir: folders.extensions, userDataDir: folders.userData, env, extensionId: EXTENSION_ID });
  });
  if (!installed) return;

  if (stages.has('package')) {
    await check('package: the .vsix holds dist/, media/ and the engine runtime, and no sources, tests, maps, data sets or dev dependencies', async () => {
      const { fileCount, bytes } = checkVsixContents(extensionFolder);
      log(`installed extension: ${fileCount} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB unpacked`);
    });
    await check('package: the engine runtime (tfjs + wasm backend, pngjs, jpeg-js) loads from the .vsix and trains a step', async () => {
      log(checkEngineRuntime(extensionFolder, { ...env, NODE_PATH: '' }));
    });
  }
  if (!stages.has('ui') && !stages.has('host')) return;

  const port = await freePort();
  let baseUrl;
  const started = await check('setup: code-server serves on 127.0.0.1', async () => {
    baseUrl = await startCodeServer({ owner, bin: codeServerBin, port, userDataDir: folders.userData, extensionsDir: folders.extensions, env, logFile: join(ARTIFACTS_DIR, 'code-server.log') });
    log(`code-server ${baseUrl}`);
  });
  if (!started) return;

  let context;
  const browserUp = await check('setup: headless Chromium starts', async () => {
    context = await launchBrowser({ owner, userDataDir: folders.browserProfile, env: { ...env, HOME: folders.home, TMPDIR: folders.tmp } });
  });
  if (!browserUp) return;

  if (stages.has('ui')) {
    seedRunFolder(folders.uiWorkspace);
    await runUiTests({ context, baseUrl, workspace: folders.uiWorkspace, artifactsDir: ARTIFACTS_DIR, check, log });
  }
  if (!stages.has('host')) return;

  const resultsFile = join(folders.root, 'host-test-results.json');
  let suiteFile;
  const bundled = await check('host: the extension-host suite bundles', async () => {
    suiteFile = await bundleHostSuite(PROJECT_ROOT, resultsFile);
  });
  if (!bundled) return;
  // The suite trains and evaluates for real (a tau sweep among them): give it 15 minutes.
  const { exitCode, summary } = await runHostTests({ context, baseUrl, workspace: folders.hostWorkspace, extensionFolder, suiteFile, resultsFile, artifactsDir: ARTIFACTS_DIR, log, timeoutMs: 15 * 60 * 1000 });
  writeFileSync(join(ARTIFACTS_DIR, 'extension-host-results.json'), JSON.stringify({ exitCode, summary }, null, 2));
  if (!summary) {
    results.push({ name: 'host: the extension-host mocha suite ran', passed: false, error: `no results; the extension host exit code was ${exitCode}` });
    log(`FAIL the extension-host suite wrote no results (exit code ${exitCode})`);
    return;
  }
  for (const title of summary.passes) {
    results.push({ name: `host: ${title}`, passed: true });
    log(`PASS host: ${title}`);
  }
  for (const failure of summary.failures) {
    results.push({ name: `host: ${failure.title}`, passed: false, error: failure.error });
    log(`FAIL host: ${failure.title}\n       ${failure.error.split('\n').slice(0, 8).join('\n       ')}`);
  }
  log(`extension-host suite: ${summary.passed} passed, ${summary.failed} failed, host exit code ${exitCode}`);
  const exitAgrees = (summary.failed === 0) === (exitCode === 0);
  if (!exitAgrees) results.push({ name: 'host: the extension host exit code agrees with mocha', passed: false, error: `exit code ${exitCode}, ${summary.failed} failed` });
}

main()
  .catch((error) => {
    results.push({ name: 'the e2e harness itself', passed: false, error: error.stack ?? String(error) });
    log(`harness error: ${error.stack ?? error}`);
  })
  .finally(() => finish());
