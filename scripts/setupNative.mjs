// `npm run setup:native [-- --force] [-- --wheel path/to/tensorflow_cpu-*.whl]`
//
// Makes @tensorflow/tfjs-node (an optional dependency) work where its install script cannot
// download libtensorflow (storage.googleapis.com unreachable) but a TensorFlow CPU wheel can be
// had from pip. The TensorFlow C API that tfjs-node's addon calls is exported by
// libtensorflow_cc.so.2 inside the wheel, so:
//
//   1. get the wheel (`python3 -m pip download --no-deps --only-binary=:all: tensorflow-cpu`),
//      unpack its two shared libraries and the C API headers into .cache/native/ (git-ignored);
//   2. `npm install --no-save --ignore-scripts @tensorflow/tfjs-node@<our version>`: the package
//      and its dependencies, without its install script (which would try the download, fail,
//      and make npm roll the whole install back);
//   3. stage the libraries into the package's deps/lib under the names its build and its
//      install script look for (libtensorflow.so.2.9.1 makes scripts/install.js skip the
//      download) and the headers into deps/include;
//   4. build the addon: `npm rebuild @tensorflow/tfjs-node` (its install script, which now only
//      runs node-gyp); where npm's allowScripts policy refuses to run it, the same script is run
//      directly. The built addon is cached too, so a rerun after `npm ci` only re-stages;
//   5. check in a fresh process that the `tensorflow` backend starts and computes.
//
// Says what it did at each step. When it cannot (not Linux x86-64, no pip, no wheel, no
// compiler, a build failure) it says why, removes the tfjs-node it installed in this run (so the
// install is as before and the engine keeps using wasm) and exits 1.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = '@tensorflow/tfjs-node';
const PACKAGE_DIR = path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-node');
const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
const GPU_PACKAGE_DIR = path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
const CACHE = path.join(ROOT, '.cache', 'native');
/** The name tfjs-node's scripts/install.js checks before downloading (deps-constants.js). */
const LIB_MARKER = 'libtensorflow.so.2.9.1';
/** Header folders of the wheel's tensorflow/include/ that the addon's sources reach. */
const HEADER_DIRS = ['tensorflow/c', 'tensorflow/core/platform', 'tsl/platform', 'xla/tsl/c'];

const args = process.argv.slice(2);
const force = args.includes('--force');
const wheelArg = args.includes('--wheel') ? args[args.indexOf('--wheel') + 1] : undefined;
const python = process.env.PYTHON ?? 'python3';

const say = (m) => console.log(`setup:native: ${m}`);
let installedThisRun = false;

class SetupError extends Error {}
const fail = (m) => {
  throw new SetupError(m);
};

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...opts });
  return { ok: r.status === 0 && !r.error, status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

const tail = (text, lines = 15) => text.trim().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');

function wantedVersion() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const v = pkg.optionalDependencies?.[PACKAGE] ?? pkg.dependencies?.[PACKAGE];
  if (!v) fail(`package.json lists no ${PACKAGE}`);
  return v;
}

function installedVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Loads tfjs-node in a fresh process and checks the backend computes; returns null or why not. */
function checkLoads() {
  const probe = `
    const tf = require('${PACKAGE}');
    const m = tf.tensor2d([[1, 2], [3, 4]]);
    const got = Array.from(m.matMul(m).dataSync());
    if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend());
    if (got.join() !== '7,10,15,22') throw new Error('matMul gave ' + got.join());
    console.log('ok ' + tf.version['tfjs-core']);`;
  const r = run(process.execPath, ['-e', probe], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  if (r.ok && /ok /.test(r.out)) return null;
  const lines = r.out.trim().split('\n').filter((l) => /Error|error|cannot|undefined symbol/.test(l));
  return lines[0] ?? tail(r.out, 3);
}

/**
 * The built addon: node-pre-gyp puts it in lib/napi-v<N>/ with N the highest N-API version both
 * the package (binary.napi_versions) and this Node support, and finds it there at load time.
 */
function builtAddons() {
  const lib = path.join(PACKAGE_DIR, 'lib');
  if (!fs.existsSync(lib)) return [];
  return fs.readdirSync(lib).filter((d) => /^napi-v\d+$/.test(d)).map((d) => path.join(lib, d, 'tfjs_binding.node')).filter((f) => fs.existsSync(f));
}

/** Finds or downloads the wheel; returns its path. */
function getWheel() {
  if (wheelArg) {
    if (!fs.existsSync(wheelArg)) fail(`--wheel ${wheelArg}: no such file`);
    return path.resolve(wheelArg);
  }
  const wheelDir = path.join(CACHE, 'wheels');
  const cached = fs.existsSync(wheelDir) ? fs.readdirSync(wheelDir).filter((f) => /^tensorflow_cpu-.*\.whl$/.test(f)) : [];
  if (cached.length) {
    say(`using the cached wheel ${path.relative(ROOT, path.join(wheelDir, cached[0]))}`);
    return path.join(wheelDir, cached[0]);
  }
  const pip = run(python, ['-m', 'pip', '--version']);
  if (!pip.ok) {
    fail(`cannot get a TensorFlow CPU wheel: '${python} -m pip' does not run (${pip.error?.message ?? tail(pip.out, 1).trim()}). ` +
      'Install Python 3 with pip, or pass a wheel you have: npm run setup:native -- --wheel path/to/tensorflow_cpu-*.whl');
  }
  say(`downloading the TensorFlow CPU wheel with pip (${pip.out.trim().split(' from ')[0]}) into ${path.relative(ROOT, wheelDir)}/ ...`);
  fs.mkdirSync(wheelDir, { recursive: true });
  const dl = run(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', 'tensorflow-cpu', '-d', wheelDir]);
  const got = fs.readdirSync(wheelDir).filter((f) => /^tensorflow_cpu-.*\.whl$/.test(f));
  if (!dl.ok || got.length === 0) {
    fail(`pip could not get a tensorflow-cpu wheel (exit ${dl.status}); its last lines:\n${tail(dl.out, 6)}\n` +
      'No package index that pip can reach holds one. Pass a wheel you have with --wheel, or install tfjs-node on a machine with internet access');
  }
  return path.join(wheelDir, got[0]);
}

/** A TensorFlow unpacked by an earlier run (the newest version), if any. */
function cachedUnpacked() {
  if (!fs.existsSync(CACHE)) return null;
  const found = fs.readdirSync(CACHE)
    .map((d) => /^tensorflow-cpu-(\d[^/]*)$/.exec(d))
    .filter((m) => m && !m[1].includes('.tmp-') && fs.existsSync(path.join(CACHE, m[0], 'lib', 'libtensorflow_cc.so.2')))
    .sort((a, b) => b[1].localeCompare(a[1], 'en', { numeric: true }));
  if (!found.length) return null;
  say(`using TensorFlow ${found[0][1]}'s libraries unpacked earlier in ${path.relative(ROOT, path.join(CACHE, found[0][0]))}/`);
  return { dir: path.join(CACHE, found[0][0]), version: found[0][1] };
}

/** Unpacks the two libraries and the headers from the wheel into the cache; returns that folder. */
function unpackWheel(wheel) {
  const version = /^tensorflow_cpu-([^-]+)-/.exec(path.basename(wheel))?.[1] ?? 'unknown';
  const dir = path.join(CACHE, `tensorflow-cpu-${version}`);
  if (fs.existsSync(path.join(dir, 'lib', 'libtensorflow_cc.so.2'))) {
    say(`using the unpacked TensorFlow ${version} libraries in ${path.relative(ROOT, dir)}/`);
    return { dir, version };
  }
  say(`unpacking libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the C API headers of TensorFlow ${version} into ${path.relative(ROOT, dir)}/ ...`);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const extract = `
import sys, zipfile, os, shutil
wheel, out, header_dirs = sys.argv[1], sys.argv[2], sys.argv[3].split(',')
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
for lib in ('libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'):
    member = 'tensorflow/' + lib
    if member not in names:
        sys.exit('the wheel holds no ' + member)
    os.makedirs(os.path.join(out, 'lib'), exist_ok=True)
    with z.open(member) as src, open(os.path.join(out, 'lib', lib), 'wb') as dst:
        shutil.copyfileobj(src, dst, 1 << 22)
count = 0
for member in names:
    rel = member[len('tensorflow/include/'):]
    if member.startswith('tensorflow/include/') and not member.endswith('/') and any(rel.startswith(d + '/') for d in header_dirs):
        target = os.path.join(out, 'include', rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(member) as src, open(target, 'wb') as dst:
            shutil.copyfileobj(src, dst)
        count += 1
if not os.path.exists(os.path.join(out, 'include', 'tensorflow', 'c', 'c_api.h')):
    sys.exit('the wheel holds no tensorflow/include/tensorflow/c/c_api.h')
print(count)`;
  const r = run(python, ['-c', extract, wheel, tmp, HEADER_DIRS.join(',')]);
  if (!r.ok) {
    fs.rmSync(tmp, { recursive: true, force: true });
    fail(`could not unpack ${path.basename(wheel)}:\n${tail(r.out, 4)}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  // The unpacked libraries are all a rerun needs; the wheel itself is 270 MB more.
  if (!wheelArg) {
    fs.rmSync(wheel, { force: true });
    say(`unpacked (${r.out.trim()} headers); removed the downloaded wheel, the cache keeps what the build needs`);
  }
  return { dir, version };
}

function installPackage(version) {
  const have = installedVersion();
  if (have === version) {
    say(`${PACKAGE}@${version} is already in node_modules`);
    return;
  }
  say(`installing ${PACKAGE}@${version} with npm --no-save --ignore-scripts (its install script would try to download libtensorflow) ...`);
  const gpuBefore = fs.existsSync(GPU_PACKAGE_DIR);
  const r = run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${PACKAGE}@${version}`]);
  if (!r.ok || installedVersion() !== version) fail(`npm could not install ${PACKAGE}@${version}:\n${tail(r.out, 8)}`);
  installedThisRun = have === null;
  say(`installed (${r.out.trim().split('\n').filter((l) => /added|changed|removed/.test(l)).join('; ') || 'done'})`);
  // npm also fills in the lockfile's other missing optional dependency, tfjs-node-gpu; without its
  // install script it has no libtensorflow and cannot load, so take it out again.
  if (!gpuBefore && fs.existsSync(GPU_PACKAGE_DIR)) {
    fs.rmSync(GPU_PACKAGE_DIR, { recursive: true, force: true });
    say(`removed ${GPU_PACKAGE}, which npm added alongside without its libtensorflow (it could not load)`);
  }
}

/** Hard link (same file system: no second copy of 850 MB), else copy. */
function linkOrCopy(from, to) {
  fs.rmSync(to, { force: true });
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

function stage(unpacked) {
  const lib = path.join(PACKAGE_DIR, 'deps', 'lib');
  const include = path.join(PACKAGE_DIR, 'deps', 'include');
  fs.mkdirSync(lib, { recursive: true });
  // The real files keep their SONAMEs, which the built addon records as NEEDED; the symlinks
  // are the names its build (-ltensorflow -ltensorflow_framework) and install.js look for.
  for (const name of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) linkOrCopy(path.join(unpacked.dir, 'lib', name), path.join(lib, name));
  for (const [link, target] of [[LIB_MARKER, 'libtensorflow_cc.so.2'], ['libtensorflow.so', 'libtensorflow_cc.so.2'], ['libtensorflow_framework.so', 'libtensorflow_framework.so.2']]) {
    fs.rmSync(path.join(lib, link), { force: true });
    fs.symlinkSync(target, path.join(lib, link));
  }
  fs.rmSync(include, { recursive: true, force: true });
  fs.cpSync(path.join(unpacked.dir, 'include'), include, { recursive: true });
  say(`staged TensorFlow ${unpacked.version}'s libtensorflow_cc.so.2 as ${LIB_MARKER} (+ libtensorflow.so, libtensorflow_framework.so) and its C API headers in ${path.relative(ROOT, path.join(PACKAGE_DIR, 'deps'))}/`);
}

/** The cached addon, and the path below the package it goes back to. */
function addonCache(version, tfVersion) {
  const dir = path.join(CACHE, `tensorflow-cpu-${tfVersion}`, `tfjs-node-${version}-${process.platform}-${process.arch}-node-napi-${process.versions.napi}`);
  return { dir, file: path.join(dir, 'tfjs_binding.node'), where: path.join(dir, 'module-path.txt') };
}

function build(version, tfVersion) {
  const cache = addonCache(version, tfVersion);
  if (fs.existsSync(cache.file) && fs.existsSync(cache.where) && !force) {
    const target = path.join(PACKAGE_DIR, fs.readFileSync(cache.where, 'utf8').trim());
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(cache.file, target);
    say(`reused the addon built earlier against these libraries (${path.relative(ROOT, cache.file)}); --force rebuilds it`);
    return;
  }
  for (const [tool, argv] of [['make', ['--version']], [process.env.CXX ?? 'g++', ['--version']]]) {
    if (!run(tool, argv).ok) fail(`building the addon needs a C++ tool chain: '${tool}' does not run (Debian: apt-get install build-essential)`);
  }
  for (const old of builtAddons()) fs.rmSync(old, { force: true });
  say(`building the addon: npm rebuild ${PACKAGE} (its install script, now only node-gyp; about 30 s) ...`);
  const r = run('npm', ['rebuild', PACKAGE, '--foreground-scripts']);
  let out = r.out;
  if (builtAddons().length === 0) {
    // npm 11 may refuse install scripts that no allowScripts entry covers (strict-allow-scripts);
    // the script is the package's own and only runs node-gyp now, so run it as npm would.
    const refused = /not allowed|EALLOWSCRIPTS|refus|blocked/i.test(r.out);
    say(refused
      ? "npm did not run the package's install script (allowScripts policy); running it directly: node scripts/install.js"
      : `npm rebuild built no addon (exit ${r.status}); running the install script directly: node scripts/install.js`);
    const bin = path.join(ROOT, 'node_modules', '.bin');
    const direct = run(process.execPath, ['scripts/install.js'], { cwd: PACKAGE_DIR, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` } });
    out = `${r.out}\n${direct.out}`;
  }
  const built = builtAddons();
  if (built.length === 0) fail(`the addon did not build; the build's last lines:\n${tail(out, 15)}`);
  fs.mkdirSync(cache.dir, { recursive: true });
  fs.copyFileSync(built[0], cache.file);
  fs.writeFileSync(cache.where, path.relative(PACKAGE_DIR, built[0]));
  say(`built ${path.relative(ROOT, built[0])} (cached in ${path.relative(ROOT, cache.dir)}/)`);
}

function rollBack() {
  if (!installedThisRun) return;
  fs.rmSync(PACKAGE_DIR, { recursive: true, force: true });
  say(`removed the ${PACKAGE} installed in this run, so node_modules is as before (the engine keeps using wasm)`);
}

function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`this builds tfjs-node against a Linux x86-64 TensorFlow wheel; this machine is ${process.platform}-${process.arch}. ` +
      `Where storage.googleapis.com is reachable, 'npm install ${PACKAGE}' works on its own`);
  }
  const version = wantedVersion();
  if (!force && installedVersion() === version && checkLoads() === null) {
    say(`${PACKAGE}@${version} already loads and computes here: nothing to do (--force redoes it)`);
    return;
  }
  const unpacked = (!wheelArg && cachedUnpacked()) || unpackWheel(getWheel());
  installPackage(version);
  stage(unpacked);
  build(version, unpacked.version);
  const why = checkLoads();
  if (why !== null) {
    fs.rmSync(addonCache(version, unpacked.version).dir, { recursive: true, force: true });
    fail(`the built ${PACKAGE} does not load: ${why}`);
  }
  say(`done: ${PACKAGE}@${version} runs on TensorFlow ${unpacked.version}'s C library (CPU). ` +
    "Backend 'auto' now picks 'tensorflow'; check with: node dist/cli.js train --backend auto ... " +
    '(npm ci removes it again; rerun npm run setup:native, which reuses .cache/native/)');
}

try {
  main();
} catch (e) {
  if (!(e instanceof SetupError)) throw e;
  console.error(`setup:native: FAILED: ${e.message}`);
  try {
    rollBack();
  } catch (r) {
    console.error(`setup:native: could not remove ${PACKAGE_DIR}: ${r.message}`);
  }
  process.exit(1);
}
