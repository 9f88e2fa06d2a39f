/**
 * The steps on the @tensorflow/tfjs-node package itself: install it with npm (with its install
 * script, or without it for the wheel route), stage a TensorFlow C library into it, build its
 * addon with node-gyp (or reuse one built earlier against the same library), and prune a native
 * folder down to what tfjs-node needs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TFJS_NODE, TFJS_NODE_GPU, packageDirIn } from '../nativeFolder';
import { isMissingProgram, lastLines, runProcess, type ProcessResult } from './childProcesses';
import { NativeSetupError, type SetupContext } from './setupContext';
import type { UnpackedTensorflow } from './tensorflowWheel';

/** The name tfjs-node's scripts/install.js checks before downloading (its deps-constants.js). */
const LIB_MARKER = 'libtensorflow.so.2.9.1';
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export function npmMissing(): NativeSetupError {
  return new NativeSetupError('npm', "installing tfjs-node needs npm, which is not on the PATH: install Node.js (it brings npm) from nodejs.org or your system's packages, then run the set-up again");
}

export function installedVersion(packageDir: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * The built addons: node-pre-gyp puts one in lib/napi-v<N>/ (N the highest N-API version both
 * the package and the building Node support) and finds it there at load time.
 */
export function builtAddons(packageDir: string): string[] {
  const lib = path.join(packageDir, 'lib');
  if (!fs.existsSync(lib)) return [];
  return fs.readdirSync(lib)
    .filter((name) => /^napi-v\d+$/.test(name))
    .map((name) => path.join(lib, name, 'tfjs_binding.node'))
    .filter((file) => fs.existsSync(file));
}

/**
 * The environment for npm and node-gyp. node-gyp needs the Node headers; offline it cannot
 * download them, so when the Node on the PATH (or this process's) ships its own
 * (`<prefix>/include/node/node_api.h`, as the nodejs.org builds and Debian's libnode-dev do) and
 * no nodedir is configured, they are named. An N-API addon needs nothing else of them.
 */
export function buildEnv(context: SetupContext): NodeJS.ProcessEnv {
  const env = { ...context.env };
  if (env.npm_config_nodedir) return env;
  const nodes = [process.execPath, ...(env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, process.platform === 'win32' ? 'node.exe' : 'node'))];
  for (const node of nodes) {
    let real: string;
    try {
      real = fs.realpathSync(node);
    } catch {
      continue;
    }
    const prefix = path.dirname(path.dirname(real));
    if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
      env.npm_config_nodedir = prefix;
      break;
    }
  }
  return env;
}

async function npm(context: SetupContext, cwd: string, args: string[], timeoutMs?: number): Promise<ProcessResult> {
  // npm is a .cmd file on Windows, which only a shell runs.
  const result = await runProcess(NPM, [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, env: buildEnv(context), signal: context.signal, onLine: context.log, timeoutMs, shell: process.platform === 'win32' });
  if (isMissingProgram(result)) throw npmMissing();
  return result;
}

/** The package.json of a native folder: npm's project root there, and npm 11's consent to tfjs-node's install script. */
export function writeFolderManifest(folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  const manifest = {
    name: 'ood-lens-native-tensorflow',
    private: true,
    description: 'tfjs-node for OOD Lens, made by "OOD Lens: Set Up Native TensorFlow"; its @tensorflow/tfjs and tfjs-core are the engine\'s (NODE_PATH)',
    allowScripts: { [TFJS_NODE]: true },
  };
  fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/** The first line of npm's output that says why it failed (a network error, a failing script). */
function npmFailure(result: ProcessResult): string {
  const lines = result.out.split('\n').map((line) => line.trim()).filter(Boolean);
  const telling = lines.find((line) => /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|E404|E403|certificate)\b/.test(line)) ??
    lines.find((line) => /^npm (ERR!|error)/.test(line) && !/A complete log/.test(line));
  return result.timedOut ? 'it took too long' : telling ?? `npm exited with ${result.status}`;
}

/**
 * tfjs-node's own install, as on a machine with internet access: its script downloads
 * libtensorflow and a prebuilt addon (or builds one). Returns why it did not work, or undefined.
 */
export async function installWithItsDownload(context: SetupContext, folder: string): Promise<string | undefined> {
  const { version } = context.options;
  context.step(`npm install ${TFJS_NODE}@${version} (its install downloads libtensorflow)`);
  const result = await npm(context, folder, ['install', '--no-save', '--no-package-lock', '--foreground-scripts', `${TFJS_NODE}@${version}`], 20 * 60 * 1000);
  const packageDir = packageDirIn(folder, TFJS_NODE);
  if (result.ok && builtAddons(packageDir).length > 0) return undefined;
  return result.ok ? 'npm installed it but its install script built no addon' : npmFailure(result);
}

/** `npm install --ignore-scripts`: the package and its dependencies without its download. */
export async function installWithoutScripts(context: SetupContext, prefix: string): Promise<void> {
  const { version, layout } = context.options;
  const packageDir = packageDirIn(prefix, TFJS_NODE);
  const gpuDir = packageDirIn(prefix, TFJS_NODE_GPU);
  if (installedVersion(packageDir) === version && layout === 'project') {
    context.log(`${TFJS_NODE}@${version} is already in ${path.join(prefix, 'node_modules')}`);
    return;
  }
  context.step(`npm install ${TFJS_NODE}@${version} without its install script`);
  const gpuBefore = fs.existsSync(gpuDir);
  const result = await npm(context, prefix, ['install', '--no-save', '--ignore-scripts', ...(layout === 'folder' ? ['--no-package-lock'] : []), `${TFJS_NODE}@${version}`]);
  if (!result.ok || installedVersion(packageDir) !== version) {
    context.log(lastLines(result.out, 8));
    throw new NativeSetupError('network', `npm could not install ${TFJS_NODE}@${version} (${npmFailure(result)}): the npm registry must be reachable (or the package in npm's cache)`);
  }
  // npm also fills in a project lockfile's other missing optional dependency, tfjs-node-gpu;
  // without its install script it has no libtensorflow and cannot load, so take it out again.
  if (!gpuBefore && fs.existsSync(gpuDir)) {
    fs.rmSync(gpuDir, { recursive: true, force: true });
    context.log(`removed ${TFJS_NODE_GPU}, which npm added alongside without its libtensorflow (it could not load)`);
  }
}

/** Hard link (same file system: no second copy of 850 MB), else copy (without blocking the extension host). */
async function linkOrCopy(from: string, to: string): Promise<void> {
  fs.rmSync(to, { force: true });
  try {
    fs.linkSync(from, to);
  } catch {
    await fs.promises.copyFile(from, to);
  }
}

/** The wheel's libraries into deps/lib under the names the build and install.js look for, its headers into deps/include. */
export async function stageLibraries(context: SetupContext, packageDir: string, unpacked: UnpackedTensorflow): Promise<void> {
  context.step(`staging TensorFlow ${unpacked.version}'s C library into tfjs-node`);
  const lib = path.join(packageDir, 'deps', 'lib');
  const include = path.join(packageDir, 'deps', 'include');
  fs.mkdirSync(lib, { recursive: true });
  // The real files keep their SONAMEs, which the built addon records as NEEDED; the symlinks
  // are the names its build (-ltensorflow -ltensorflow_framework) and install.js look for.
  for (const name of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) await linkOrCopy(path.join(unpacked.dir, 'lib', name), path.join(lib, name));
  for (const [link, target] of [[LIB_MARKER, 'libtensorflow_cc.so.2'], ['libtensorflow.so', 'libtensorflow_cc.so.2'], ['libtensorflow_framework.so', 'libtensorflow_framework.so.2']]) {
    fs.rmSync(path.join(lib, link), { force: true });
    fs.symlinkSync(target, path.join(lib, link));
  }
  fs.rmSync(include, { recursive: true, force: true });
  fs.cpSync(path.join(unpacked.dir, 'include'), include, { recursive: true });
  context.log(`staged libtensorflow_cc.so.2 as ${LIB_MARKER} (+ libtensorflow.so, libtensorflow_framework.so) and the C API headers in ${path.join(packageDir, 'deps')}`);
}

/** Where an addon built against `unpacked` for this Node's N-API is cached, and the path below the package it goes back to. */
function addonCache(context: SetupContext, unpacked: UnpackedTensorflow): { dir: string; file: string; where: string } {
  const dir = path.join(unpacked.dir, `tfjs-node-${context.options.version}-${process.platform}-${process.arch}-node-napi-${process.versions.napi}`);
  return { dir, file: path.join(dir, 'tfjs_binding.node'), where: path.join(dir, 'module-path.txt') };
}

/** Drops the cached addon built against `unpacked` (it was built, but the engine could not use it). */
export function forgetBuiltAddon(context: SetupContext, unpacked: UnpackedTensorflow): void {
  fs.rmSync(addonCache(context, unpacked).dir, { recursive: true, force: true });
}

/** Builds the addon (npm rebuild: its install script, now only node-gyp), or puts back the one built earlier. */
export async function buildAddon(context: SetupContext, prefix: string, unpacked: UnpackedTensorflow): Promise<void> {
  const packageDir = packageDirIn(prefix, TFJS_NODE);
  const cache = addonCache(context, unpacked);
  if (fs.existsSync(cache.file) && fs.existsSync(cache.where) && !context.options.force) {
    const target = path.join(packageDir, fs.readFileSync(cache.where, 'utf8').trim());
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(cache.file, target);
    context.log(`reused the addon built earlier against these libraries (${cache.file})`);
    return;
  }
  for (const [tool, args] of [['make', ['--version']], [context.env.CXX ?? 'g++', ['--version']]] as const) {
    const probe = await runProcess(tool, [...args], { env: context.env, signal: context.signal });
    if (!probe.ok) {
      throw new NativeSetupError('compiler', `building tfjs-node's addon needs a C++ compiler and make: '${tool}' ${isMissingProgram(probe) ? 'is not on the PATH' : 'does not run'} (Debian/Ubuntu: apt-get install build-essential)`);
    }
  }
  for (const old of builtAddons(packageDir)) fs.rmSync(old, { force: true });
  context.step('building the tfjs-node addon with node-gyp (about a minute)');
  const rebuild = await npm(context, prefix, ['rebuild', TFJS_NODE, '--foreground-scripts']);
  let out = rebuild.out;
  if (builtAddons(packageDir).length === 0) {
    // npm 11 may refuse install scripts that no allowScripts entry covers; the script is the
    // package's own and only runs node-gyp now, so run it as npm would.
    context.log(`npm rebuild built no addon (exit ${rebuild.status}); running the package's install script directly: node scripts/install.js`);
    const bin = path.join(prefix, 'node_modules', '.bin');
    const env = buildEnv(context);
    const direct = await runProcess(process.platform === 'win32' ? 'node.exe' : 'node', ['scripts/install.js'], {
      cwd: packageDir,
      env: { ...env, PATH: `${bin}${path.delimiter}${env.PATH ?? ''}` },
      signal: context.signal,
      onLine: context.log,
    });
    out = `${rebuild.out}\n${direct.out}`;
  }
  const built = builtAddons(packageDir);
  if (built.length === 0) {
    context.log(lastLines(out, 20));
    throw new NativeSetupError('build', "tfjs-node's addon did not build (node-gyp failed; its last lines are in the log)");
  }
  fs.mkdirSync(cache.dir, { recursive: true });
  fs.copyFileSync(built[0], cache.file);
  fs.writeFileSync(cache.where, path.relative(packageDir, built[0]));
  context.log(`built ${built[0]} (cached in ${cache.dir})`);
}

/** The packages `name` depends on, as `from`'s node_modules lookup finds them (nested first, then up to `root`). */
function resolveDependency(root: string, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', ...name.split('/'));
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.resolve(dir) === path.resolve(root) || path.dirname(dir) === dir) return undefined;
  }
}

/** Every package folder under `nodeModules`, nested ones too (scoped names are two levels). */
function packageFolders(nodeModules: string): string[] {
  if (!fs.existsSync(nodeModules)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const full = path.join(nodeModules, entry);
    const children = entry.startsWith('@') ? fs.readdirSync(full).map((name) => path.join(full, name)) : [full];
    for (const child of children) {
      if (!fs.existsSync(path.join(child, 'package.json'))) continue;
      found.push(child, ...packageFolders(path.join(child, 'node_modules')));
    }
  }
  return found;
}

/**
 * Leaves in `<folder>/node_modules` only `rootPackage` and what it needs: its dependencies and
 * optional dependencies, transitively, except the `external` ones (and what only they need),
 * which the engine provides. Returns the names removed.
 */
export function pruneFolder(folder: string, rootPackage: string, external: (name: string) => boolean): string[] {
  const keep = new Set<string>();
  const visit = (dir: string) => {
    if (keep.has(dir)) return;
    keep.add(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      if (external(name)) continue;
      const found = resolveDependency(folder, dir, name);
      if (found) visit(found);
    }
  };
  visit(packageDirIn(folder, rootPackage));
  const removed: string[] = [];
  for (const dir of packageFolders(path.join(folder, 'node_modules'))) {
    if (keep.has(dir) || !fs.existsSync(dir)) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(path.relative(path.join(folder, 'node_modules'), dir));
  }
  // Empty scope folders, the bin links of removed packages and npm's record of the old tree.
  for (const entry of fs.readdirSync(path.join(folder, 'node_modules'))) {
    const full = path.join(folder, 'node_modules', entry);
    if (entry.startsWith('@') && fs.readdirSync(full).length === 0) fs.rmSync(full, { recursive: true });
  }
  fs.rmSync(path.join(folder, 'node_modules', '.bin'), { recursive: true, force: true });
  fs.rmSync(path.join(folder, 'node_modules', '.package-lock.json'), { force: true });
  return removed;
}
