/**
 * Installs @tensorflow/tfjs-node so the engine can use TensorFlow's C library: the one
 * implementation behind `npm run setup:native` (into a clone's node_modules) and the extension's
 * "OOD Lens: Set Up Native TensorFlow" (into a native folder in its global storage).
 *
 * Routes, tried in the order given until one gives a package whose backend starts and computes:
 *  - 'npm': `npm install @tensorflow/tfjs-node`, its install script downloading libtensorflow
 *    2.9.1 and its addon from storage.googleapis.com, as on any machine with internet access;
 *  - 'tensorflow-wheel' (Linux x86-64): the C API is also exported by libtensorflow_cc.so.2 in a
 *    TensorFlow CPU wheel, so: pip downloads `tensorflow-cpu` (or a wheel is given), its two
 *    libraries and C API headers are unpacked into the cache, the package is installed with
 *    --ignore-scripts, the libraries are staged into it and the addon is built with node-gyp.
 * Then (folder layout) the tfjs packages are pruned out of the folder, the engine's CLI checks
 * in a fresh process that `--backend tensorflow` starts on the engine's tfjs-core and computes a
 * matMul, and the folder is renamed into place; a record file is written last.
 *
 * Cancelling (the AbortSignal) kills the child processes; nothing half-made is left: the
 * folder layout builds in a temporary folder, the cache steps rename complete folders only, and
 * the project layout removes a package it installed in this run. Imports no tfjs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NATIVE_RECORD_FILE, SHARED_TFJS_PACKAGES, TFJS_NODE, nativeEngineEnv, packageDirIn, readNativeRecord, type NativeFolderRecord } from '../nativeFolder';
import { SetupCancelled, lastLines, runProcess } from './childProcesses';
import { NativeSetupError, SetupContext, type NativeSetupOptions, type SetupRoute } from './setupContext';
import { cachedUnpacked, getWheel, temporaryName, unpackWheel, type UnpackedTensorflow } from './tensorflowWheel';
import { buildAddon, forgetBuiltAddon, installWithItsDownload, installWithoutScripts, installedVersion, pruneFolder, stageLibraries, writeFolderManifest } from './tfjsNodePackage';

export { NativeSetupError, SetupCancelled, type NativeSetupOptions, type SetupRoute };
export type { SetupProblem } from './setupContext';

export interface NativeSetupResult {
  /** It already loaded and computed: nothing was done. */
  alreadyDone: boolean;
  /** The engine's reason line for the tensorflow backend, from the check. */
  reason: string;
  /** The folder layout's record of what is installed there now. */
  record?: NativeFolderRecord;
  /** The TensorFlow version the addon was built against in this run (the wheel route). */
  tensorflow?: string;
}

/** The TensorFlow C library the npm route's download brings (tfjs-node's deps-constants.js). */
function downloadedTensorflowVersion(packageDir: string): string {
  try {
    return /LIBTENSORFLOW_VERSION\s*=\s*'([^']+)'/.exec(fs.readFileSync(path.join(packageDir, 'scripts', 'deps-constants.js'), 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The engine's check in a fresh process: `backend --backend tensorflow --json` with `prefix` as the package's home. */
async function checkEngine(context: SetupContext, prefix: string): Promise<{ ok: true; reason: string } | { ok: false; why: string }> {
  const { engine, layout, engineNodeModules } = context.options;
  const base = { ...(engine.env ?? context.env), TF_CPP_MIN_LOG_LEVEL: '2' };
  const env = layout === 'folder' ? nativeEngineEnv(prefix, engineNodeModules, base) : base;
  const result = await runProcess(engine.command, [...engine.args, 'backend', '--backend', 'tensorflow', '--json'], { cwd: engine.cwd, env, signal: context.signal });
  const answer = result.out.split('\n').map((line) => line.trim()).reverse().find((line) => line.startsWith('{"backend"'));
  if (result.ok && answer) {
    const parsed = JSON.parse(answer) as { backend: string; reason: string };
    if (parsed.backend === 'tensorflow') return { ok: true, reason: parsed.reason };
  }
  const why = result.out.split('\n').map((line) => line.replace(/^ood-lens: /, '').trim()).find((line) => /backend 'tensorflow' cannot be used/.test(line));
  return { ok: false, why: why ?? lastLines(result.out, 3).trim() };
}

function record(context: SetupContext, route: SetupRoute, tensorflow: string, startedAt: number): NativeFolderRecord {
  return {
    package: TFJS_NODE,
    version: context.options.version,
    route,
    tensorflow,
    platform: process.platform,
    arch: process.arch,
    installedAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
}

/** The wheel route into `prefix` (a project or a temporary folder): libraries, package, staging, addon. */
async function wheelRoute(context: SetupContext, prefix: string): Promise<UnpackedTensorflow> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new NativeSetupError('platform', `the TensorFlow-wheel route builds tfjs-node against a Linux x86-64 TensorFlow wheel; this machine is ${process.platform}-${process.arch}, ` +
      `where ${TFJS_NODE}'s own install (which needs storage.googleapis.com) is the way`);
  }
  const unpacked = (!context.options.wheel && cachedUnpacked(context)) || (await unpackWheel(context, await getWheel(context)));
  await installWithoutScripts(context, prefix);
  await stageLibraries(context, packageDirIn(prefix, TFJS_NODE), unpacked);
  await buildAddon(context, prefix, unpacked);
  return unpacked;
}

/** Temporary folders a set-up that died (VS Code closed mid-way) left beside `target`. */
function removeAbandonedSiblings(target: string, log: (line: string) => void): void {
  const parent = path.dirname(target);
  if (!fs.existsSync(parent)) return;
  for (const name of fs.readdirSync(parent)) {
    const match = new RegExp(`^${path.basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-`).exec(name);
    if (!match) continue;
    const pid = Number(match[2]);
    let alive = pid === process.pid;
    try {
      if (!alive) process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (alive) continue;
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    log(`removed ${name}, left by a set-up that did not finish`);
  }
}

/** Puts the finished temporary folder where the old one (if any) was, never leaving neither. */
function swapIntoPlace(temporary: string, target: string): void {
  const old = `${target}.old-${process.pid}-${Date.now().toString(36)}`;
  const hadOld = fs.existsSync(target);
  if (hadOld) fs.renameSync(target, old);
  try {
    fs.renameSync(temporary, target);
  } catch (error) {
    if (hadOld) fs.renameSync(old, target);
    throw error;
  }
  if (hadOld) fs.rmSync(old, { recursive: true, force: true });
}

async function intoFolder(context: SetupContext, startedAt: number): Promise<NativeSetupResult> {
  const { target, routes, force } = context.options;
  removeAbandonedSiblings(target, context.log);
  const existing = readNativeRecord(target);
  if (existing && existing.version === context.options.version && !force) {
    context.step('checking the native TensorFlow already set up');
    const check = await checkEngine(context, target);
    if (check.ok) return { record: existing, alreadyDone: true, reason: check.reason };
    context.log(`the native folder ${target} does not work any more (${check.why}); setting it up again`);
  }
  const temporary = temporaryName(target);
  context.cleanUpLater(temporary);
  const failures: string[] = [];
  for (const route of routes) {
    fs.rmSync(temporary, { recursive: true, force: true });
    writeFolderManifest(temporary);
    let tensorflow: string;
    let unpacked: UnpackedTensorflow | undefined;
    if (route === 'npm') {
      const why = await installWithItsDownload(context, temporary);
      if (why) {
        failures.push(`npm's own download: ${why}`);
        context.log(`${TFJS_NODE}'s own install did not work here (${why})${routes.indexOf(route) < routes.length - 1 ? '; trying the next way' : ''}`);
        continue;
      }
      tensorflow = downloadedTensorflowVersion(packageDirIn(temporary, TFJS_NODE));
    } else {
      unpacked = await wheelRoute(context, temporary);
      tensorflow = unpacked.version;
    }
    const removed = pruneFolder(temporary, TFJS_NODE, (name) => name.startsWith('@tensorflow/'));
    context.log(`removed what only @tensorflow/tfjs needs from the folder (${removed.length} packages: ${removed.filter((name) => name.startsWith('@tensorflow/')).join(', ')}, ...): the engine's own are used`);
    context.step('checking that the engine starts the tensorflow backend and computes');
    const check = await checkEngine(context, temporary);
    if (!check.ok) {
      failures.push(`${route}: ${check.why}`);
      if (unpacked) forgetBuiltAddon(context, unpacked);
      context.log(`the engine did not start the tensorflow backend from it: ${check.why}`);
      continue;
    }
    const done = record(context, route, tensorflow, startedAt);
    fs.writeFileSync(path.join(temporary, NATIVE_RECORD_FILE), JSON.stringify(done, null, 2) + '\n');
    context.throwIfCancelled();
    swapIntoPlace(temporary, target);
    // The check ran in the temporary folder; the engine will find the package where it is now.
    return { record: done, alreadyDone: false, reason: check.reason.split(temporary).join(target), tensorflow };
  }
  throw new NativeSetupError('check', `tfjs-node was installed but the engine could not use it (${failures.join('; ')})`);
}

async function intoProject(context: SetupContext): Promise<NativeSetupResult> {
  const { target, version, force } = context.options;
  const packageDir = packageDirIn(target, TFJS_NODE);
  const before = installedVersion(packageDir);
  if (!force && before === version) {
    const check = await checkEngine(context, target);
    if (check.ok) return { alreadyDone: true, reason: check.reason };
  }
  try {
    const unpacked = await wheelRoute(context, target);
    context.step('checking that the engine starts the tensorflow backend and computes');
    const check = await checkEngine(context, target);
    if (!check.ok) {
      forgetBuiltAddon(context, unpacked);
      throw new NativeSetupError('check', `the built ${TFJS_NODE} does not work: ${check.why}`);
    }
    return { alreadyDone: false, reason: check.reason, tensorflow: unpacked.version };
  } catch (error) {
    // Leave node_modules as it was: the engine keeps using wasm.
    if (before === undefined && fs.existsSync(packageDir)) {
      fs.rmSync(packageDir, { recursive: true, force: true });
      context.log(`removed the ${TFJS_NODE} installed in this run, so ${path.join(target, 'node_modules')} is as before`);
    }
    throw error;
  }
}

/** Sets up tfjs-node as `options` say; throws NativeSetupError (one line: what is missing, what to do) or SetupCancelled. */
export async function setUpNativeTensorflow(options: NativeSetupOptions): Promise<NativeSetupResult> {
  const context = new SetupContext(options);
  const { startedAt } = context;
  options.log(`setting up ${TFJS_NODE}@${options.version} (${options.layout === 'folder' ? 'native folder' : 'project'} ${options.target}; cache ${options.cacheDir}; ${os.platform()}-${os.arch()}, Node ${process.version})`);
  for (const shared of SHARED_TFJS_PACKAGES) {
    if (!fs.existsSync(path.join(options.engineNodeModules, ...shared.split('/'), 'package.json'))) {
      throw new NativeSetupError('check', `the engine's ${shared} is not in ${options.engineNodeModules}: reinstall OOD Lens (or run npm ci in a clone)`);
    }
  }
  try {
    return options.layout === 'folder' ? await intoFolder(context, startedAt) : await intoProject(context);
  } finally {
    context.cleanUp();
  }
}
