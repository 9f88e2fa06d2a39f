// A native folder (tfjs-node outside the engine's node_modules): the environment a job gets, the
// record that says an install is finished, and the engine's refusal of a tfjs-node that would
// register its backend on another copy of tfjs-core. Real folders in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NATIVE_DIR_ENV, NATIVE_RECORD_FILE, TFJS_NODE, nativeEngineEnv, packageDirIn, readNativeRecord } from '../../../src/core/backend/nativeFolder';
import { temporaryFolders } from './temporaryFolders';
import { loadNativePackage, sharedTfjsProblem } from '../../../src/core/backend/nativeTensorflowPackages';

const tmp = temporaryFolders('oodlens-native-');

/** A package folder with a package.json (and an index.js) under `<prefix>/node_modules`. */
function writePackage(prefix: string, name: string, manifest: Record<string, unknown> = {}): string {
  const dir = packageDirIn(prefix, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '4.22.0', main: 'index.js', ...manifest }));
  fs.writeFileSync(path.join(dir, 'index.js'), 'module.exports = {};\n');
  return dir;
}

test('nativeEngineEnv names the folder and puts the engine\'s node_modules first on NODE_PATH, once, keeping the other entries', () => {
  const engine = path.join(path.sep, 'ext', 'node_modules');
  const other = path.join(path.sep, 'opt', 'lib');
  const env = nativeEngineEnv('/storage/native', engine, { PATH: '/usr/bin', NODE_PATH: [other, engine].join(path.delimiter) });
  assert.equal(env[NATIVE_DIR_ENV], '/storage/native');
  assert.equal(env.NODE_PATH, [engine, other].join(path.delimiter));
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(nativeEngineEnv('/n', engine, {}).NODE_PATH, engine);
});

test('readNativeRecord: no record, a record whose package folder is gone, and a finished folder', () => {
  const folder = tmp();
  assert.equal(readNativeRecord(folder), undefined);
  const record = { package: TFJS_NODE, version: '4.22.0', route: 'tensorflow-wheel', tensorflow: '2.21.0', platform: 'linux', arch: 'x64', installedAt: '2026-12-02T00:00:00Z', seconds: 20 };
  fs.writeFileSync(path.join(folder, NATIVE_RECORD_FILE), JSON.stringify(record));
  assert.equal(readNativeRecord(folder), undefined, 'the package folder is missing');
  writePackage(folder, TFJS_NODE);
  assert.deepEqual(readNativeRecord(folder), record);
  fs.writeFileSync(path.join(folder, NATIVE_RECORD_FILE), '{"package": ');
  assert.equal(readNativeRecord(folder), undefined, 'a torn record is no record');
});

test('a package inside the engine\'s own node_modules shares its tfjs', () => {
  assert.equal(sharedTfjsProblem(path.resolve('node_modules', '@tensorflow', 'tfjs-backend-wasm')), undefined);
});

test('a native folder with its own @tensorflow/tfjs is refused, naming both copies', () => {
  const folder = tmp();
  const packageDir = writePackage(folder, TFJS_NODE);
  writePackage(folder, '@tensorflow/tfjs');
  const problem = sharedTfjsProblem(packageDir);
  assert.ok(problem, 'a second copy must be found');
  assert.match(problem, /would load its own @tensorflow\/tfjs/);
  assert.ok(problem.includes(path.join(folder, 'node_modules', '@tensorflow', 'tfjs', 'index.js')), problem);
  assert.ok(problem.includes(path.resolve('node_modules', '@tensorflow', 'tfjs')), problem);
});

test('a native folder without tfjs needs NODE_PATH to name the engine\'s node_modules, and says so', () => {
  const folder = tmp();
  const packageDir = writePackage(folder, TFJS_NODE);
  const problem = sharedTfjsProblem(packageDir);
  assert.ok(problem);
  assert.match(problem, /cannot find @tensorflow\/tfjs from .*NODE_PATH must name/);
  assert.ok(problem.endsWith(path.resolve('node_modules')), problem);
});

test('loadNativePackage does not load tfjs-node from a native folder that holds its own tfjs, and says why', () => {
  const folder = tmp();
  // An index.js that would throw if it were ever required: the check comes first.
  writePackage(folder, TFJS_NODE);
  fs.writeFileSync(path.join(packageDirIn(folder, TFJS_NODE), 'index.js'), 'throw new Error("must not be loaded");\n');
  writePackage(folder, '@tensorflow/tfjs');
  const before = process.env[NATIVE_DIR_ENV];
  process.env[NATIVE_DIR_ENV] = folder;
  try {
    const outcome = loadNativePackage(TFJS_NODE);
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.why.startsWith(`in ${folder} but not loaded: it would load its own @tensorflow/tfjs`), JSON.stringify(outcome));
  } finally {
    if (before === undefined) delete process.env[NATIVE_DIR_ENV];
    else process.env[NATIVE_DIR_ENV] = before;
  }
});
