// The tfjs-node installer (core/backend/nativeInstall): pruning a native folder to what tfjs-node
// needs, killing a child process tree on cancel, the one-line errors for what is missing, and
// (where a clone has run `npm run setup:native`, so .cache/native holds TensorFlow's libraries)
// a whole set-up into a native folder that the engine's CLI then uses, and a cancelled one that
// leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NATIVE_RECORD_FILE, TFJS_NODE, nativeEngineEnv, packageDirIn, readNativeRecord } from '../../../src/core/backend/nativeFolder';
import { NativeSetupError, SetupCancelled, setUpNativeTensorflow, type NativeSetupOptions } from '../../../src/core/backend/nativeInstall';
import { isMissingProgram, runProcess } from '../../../src/core/backend/nativeInstall/childProcesses';
import { SetupContext } from '../../../src/core/backend/nativeInstall/setupContext';
import { getWheel, unpackWheel } from '../../../src/core/backend/nativeInstall/tensorflowWheel';
import { buildAddon, pruneFolder } from '../../../src/core/backend/nativeInstall/tfjsNodePackage';
import { temporaryFolders } from './temporaryFolders';

const tmp = temporaryFolders('oodlens-install-');
const ROOT = path.resolve('.');
const CACHE = path.join(ROOT, '.cache', 'native');
const cached = fs.existsSync(CACHE) && fs.readdirSync(CACHE).some((name) => /^tensorflow-cpu-\d/.test(name) && fs.existsSync(path.join(CACHE, name, 'lib', 'libtensorflow_cc.so.2')));

function writePackage(dir: string, name: string, dependencies: Record<string, string> = {}, optionalDependencies: Record<string, string> = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', dependencies, optionalDependencies }));
}

function options(overrides: Partial<NativeSetupOptions> = {}): NativeSetupOptions {
  return {
    layout: 'folder',
    target: path.join(tmp(), 'native'),
    engineNodeModules: path.join(ROOT, 'node_modules'),
    version: '4.22.0',
    cacheDir: tmp(),
    routes: ['tensorflow-wheel'],
    engine: { command: process.execPath, args: [path.join(ROOT, 'dist', 'cli.js')] },
    log: () => {},
    ...overrides,
  };
}

test('pruneFolder keeps the root package and its dependency closure (nested ones too) and removes what only the external packages need', () => {
  const folder = tmp();
  const nm = path.join(folder, 'node_modules');
  // root -> b, @tensorflow/tfjs (external), optional o; b -> long, d (nested under b); @tensorflow/tfjs -> c, long, @tensorflow/tfjs-core.
  writePackage(path.join(nm, 'root'), 'root', { b: '1', '@tensorflow/tfjs': '1' }, { o: '1' });
  writePackage(path.join(nm, 'b'), 'b', { long: '1', d: '1' });
  writePackage(path.join(nm, 'b', 'node_modules', 'd'), 'd');
  writePackage(path.join(nm, 'o'), 'o');
  writePackage(path.join(nm, 'long'), 'long');
  writePackage(path.join(nm, 'c'), 'c');
  writePackage(path.join(nm, 'e'), 'e', { d: '2' });
  writePackage(path.join(nm, 'e', 'node_modules', 'd'), 'd');
  writePackage(path.join(nm, '@tensorflow', 'tfjs'), '@tensorflow/tfjs', { c: '1', long: '1', '@tensorflow/tfjs-core': '1' });
  writePackage(path.join(nm, '@tensorflow', 'tfjs-core'), '@tensorflow/tfjs-core');
  fs.mkdirSync(path.join(nm, '.bin'));
  const removed = pruneFolder(folder, 'root', (name) => name.startsWith('@tensorflow/'));
  // Worked out by hand: kept root, b, b/node_modules/d, o, long; removed c, e (and its nested d), both tfjs packages.
  assert.deepEqual(removed.sort(), ['@tensorflow/tfjs', '@tensorflow/tfjs-core', 'c', 'e'].sort());
  for (const kept of ['root', 'b', path.join('b', 'node_modules', 'd'), 'o', 'long']) assert.ok(fs.existsSync(path.join(nm, kept, 'package.json')), `${kept} kept`);
  assert.equal(fs.existsSync(path.join(nm, '@tensorflow')), false, 'the empty scope folder goes too');
  assert.equal(fs.existsSync(path.join(nm, '.bin')), false);
});

test('runProcess: a cancel kills the child and what it started; a missing program is ENOENT, not a crash', { skip: process.platform === 'win32' && 'POSIX shell' }, async () => {
  const abort = new AbortController();
  let grandchild = 0;
  const running = runProcess('sh', ['-c', 'sleep 30 & echo $!; wait'], {
    signal: abort.signal,
    onLine: (line) => {
      grandchild = Number(line);
      abort.abort();
    },
  });
  await assert.rejects(running, SetupCancelled);
  assert.ok(grandchild > 0, 'the shell said its sleep\'s pid');
  // Killed with its process group; its parent (the shell) is gone, so init reaps it a moment later.
  const alive = () => {
    try {
      process.kill(grandchild, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; alive() && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(alive(), false, 'the grandchild (sleep) is gone too');
  const missing = await runProcess('ood-lens-no-such-program', []);
  assert.equal(missing.ok, false);
  assert.ok(isMissingProgram(missing));
});

test('what is missing is one line that says what to do: no pip, no such wheel, a file that is not a wheel, no compiler', async () => {
  const context = new SetupContext(options({ python: 'ood-lens-no-such-python', wheelHint: 'set oodLens.tensorflowWheel' }));
  await assert.rejects(unpackWheel(context, { file: path.join(tmp(), 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl'), downloaded: false }), (e: unknown) => {
    assert.ok(e instanceof NativeSetupError && e.problem === 'pip', String(e));
    assert.match(e.message, /needs Python 3 with pip: 'ood-lens-no-such-python' is not on the PATH\. Install Python 3 with pip .*, or set oodLens\.tensorflowWheel$/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  const notThere = new SetupContext(options({ wheel: '/nonexistent/tensorflow_cpu-2.21.0-x.whl' }));
  await assert.rejects(getWheel(notThere), /the TensorFlow wheel \/nonexistent\/tensorflow_cpu-2\.21\.0-x\.whl does not exist/);
  const other = path.join(tmp(), 'torch-2.13.0-cp311-cp311-linux_x86_64.whl');
  fs.writeFileSync(other, '');
  await assert.rejects(getWheel(new SetupContext(options({ wheel: other }))), /is not a TensorFlow CPU wheel: expected a file named tensorflow_cpu-/);
  const noCompiler = new SetupContext(options({ env: { ...process.env, CXX: 'ood-lens-no-such-compiler' } }));
  await assert.rejects(buildAddon(noCompiler, tmp(), { dir: tmp(), version: '2.21.0' }), (e: unknown) => {
    assert.ok(e instanceof NativeSetupError && e.problem === 'compiler', String(e));
    assert.match(e.message, /needs a C\+\+ compiler and make: 'ood-lens-no-such-compiler' is not on the PATH \(Debian\/Ubuntu: apt-get install build-essential\)/);
    return true;
  });
});

test('a set-up cancelled while npm runs leaves neither the folder nor a temporary one, and its children are gone', async () => {
  const abort = new AbortController();
  const setup = options({ routes: ['npm'], signal: abort.signal, onStep: (step) => step.startsWith('npm install') && setTimeout(() => abort.abort(), 1500) });
  await assert.rejects(setUpNativeTensorflow(setup), SetupCancelled);
  assert.deepEqual(fs.readdirSync(path.dirname(setup.target)), [], 'nothing beside the target');
  const npmChildren = spawnSync('pgrep', ['-f', path.dirname(setup.target)], { encoding: 'utf8' }).stdout.trim();
  assert.equal(npmChildren, '', 'no process works in the folder any more');
});

test('into a native folder from the cached TensorFlow libraries: no tfjs copies in it, the record last, and the engine\'s CLI runs the tensorflow backend from it',
  { skip: !cached && 'no TensorFlow libraries in .cache/native (npm run setup:native puts them there)', timeout: 10 * 60 * 1000 }, async () => {
    const steps: string[] = [];
    const setup = options({ cacheDir: CACHE, onStep: (step) => steps.push(step) });
    const result = await setUpNativeTensorflow(setup);
    assert.equal(result.alreadyDone, false);
    assert.equal(result.record?.route, 'tensorflow-wheel');
    assert.match(result.reason, new RegExp(`tfjs-node: loaded from ${setup.target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(TensorFlow C library on the CPU\\)`));
    assert.deepEqual(readNativeRecord(setup.target), result.record);
    assert.ok(fs.existsSync(path.join(setup.target, NATIVE_RECORD_FILE)));
    assert.ok(fs.existsSync(path.join(packageDirIn(setup.target, TFJS_NODE), 'deps', 'lib', 'libtensorflow_cc.so.2')));
    for (const copy of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers']) assert.equal(fs.existsSync(packageDirIn(setup.target, copy)), false, `${copy} pruned`);
    assert.deepEqual(fs.readdirSync(path.dirname(setup.target)), ['native'], 'no temporary folder left');
    assert.ok(steps.some((step) => step.startsWith('checking that the engine')), steps.join(' | '));
    // The engine as a job starts it: 'auto' picks tfjs-node from the folder.
    const backend = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'backend', '--json'], { encoding: 'utf8', env: nativeEngineEnv(setup.target, path.join(ROOT, 'node_modules'), { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }) });
    const answer = JSON.parse(backend.stdout.trim().split('\n').pop() ?? '{}') as { backend?: string; reason?: string };
    assert.equal(answer.backend, 'tensorflow', backend.stdout + backend.stderr);
    assert.ok(answer.reason?.includes(`loaded from ${setup.target}`), answer.reason);
    // A second run finds it working and does nothing.
    const again = await setUpNativeTensorflow({ ...setup, onStep: undefined });
    assert.equal(again.alreadyDone, true);
  });
