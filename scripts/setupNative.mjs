// `npm run setup:native [-- --force] [-- --wheel path/to/tensorflow_cpu-*.whl]`
//
// Makes @tensorflow/tfjs-node (an optional dependency) work in this clone's node_modules where its
// install script cannot download libtensorflow (storage.googleapis.com unreachable) but pip can
// get a TensorFlow CPU wheel, whose libtensorflow_cc.so.2 exports the C API tfjs-node's addon
// calls: the wheel route of src/core/backend/nativeInstall/, the code the extension's "OOD Lens:
// Set Up Native TensorFlow" runs too (there into a folder of its global storage). Steps: get the
// wheel with pip and unpack its two libraries and C API headers into .cache/native/ (git-ignored);
// npm install --no-save --ignore-scripts @tensorflow/tfjs-node@<our version>; stage the libraries
// into the package; build its addon with node-gyp (cached too, so a rerun after `npm ci` takes
// seconds); check in a fresh process (the engine's `backend --backend tensorflow` command) that
// the tensorflow backend starts on the engine's tfjs-core and computes.
//
// When it cannot (not Linux x86-64, no pip, no wheel, no compiler, a build failure) it says why
// in one line, removes the tfjs-node it installed in this run (so the engine keeps using wasm)
// and exits 1. Ctrl-C stops it and its child processes.
// Runs under tsx (package.json: node --import tsx), which loads the TypeScript module.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeSetupError, SetupCancelled, setUpNativeTensorflow } from '../src/core/backend/nativeInstall/index.ts';
import { NATIVE_CACHE_ENV, TFJS_NODE } from '../src/core/backend/nativeFolder.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const wheel = args.includes('--wheel') ? args[args.indexOf('--wheel') + 1] : undefined;
const say = (line) => console.log(`setup:native: ${line}`);

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const version = pkg.optionalDependencies?.[TFJS_NODE] ?? pkg.dependencies?.[TFJS_NODE];
if (!version) {
  say(`FAILED: package.json lists no ${TFJS_NODE}`);
  process.exit(1);
}

const abort = new AbortController();
process.on('SIGINT', () => abort.abort());
process.on('SIGTERM', () => abort.abort());

try {
  const result = await setUpNativeTensorflow({
    layout: 'project',
    target: ROOT,
    engineNodeModules: path.join(ROOT, 'node_modules'),
    version,
    cacheDir: process.env[NATIVE_CACHE_ENV] || path.join(ROOT, '.cache', 'native'),
    routes: ['tensorflow-wheel'],
    wheel,
    wheelHint: 'pass a wheel you have: npm run setup:native -- --wheel path/to/tensorflow_cpu-*.whl',
    python: process.env.PYTHON,
    force: args.includes('--force'),
    // The engine from its sources (no build needed): `ood-lens backend --backend tensorflow`.
    engine: { command: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts')], cwd: ROOT },
    signal: abort.signal,
    log: say,
  });
  if (result.alreadyDone) say(`${TFJS_NODE}@${version} already loads and computes here: nothing to do (--force redoes it); ${result.reason}`);
  else {
    say(`done: ${TFJS_NODE}@${version} runs on TensorFlow ${result.tensorflow}'s C library (CPU): ${result.reason}. ` +
      "Backend 'auto' now picks 'tensorflow' (npm ci removes it again; rerun npm run setup:native, which reuses .cache/native/)");
  }
} catch (error) {
  if (error instanceof SetupCancelled) {
    say('cancelled; node_modules is as before');
    process.exit(130);
  }
  if (!(error instanceof NativeSetupError)) throw error;
  say(`FAILED: ${error.message}`);
  process.exit(1);
}
