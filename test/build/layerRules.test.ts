// The build's layer check (scripts/layerRules.mjs) on real esbuild bundles of small entries: it
// names each broken rule and passes the imports each layer may make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(__dirname, '..', '..');

type LayerViolations = (outfile: string, metafile: esbuild.Metafile) => string[];

async function rules(): Promise<LayerViolations> {
  const module = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'layerRules.mjs')).href)) as { layerViolations: LayerViolations };
  return module.layerViolations;
}

/** Bundles `contents` as the file `sourcefile` the way scripts/build.mjs bundles that layer. */
async function metafileOf(contents: string, sourcefile: string, platform: 'node' | 'browser'): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: path.join(ROOT, path.dirname(sourcefile)), sourcefile: path.basename(sourcefile), loader: 'ts' },
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    platform,
    format: platform === 'node' ? 'cjs' : 'iife',
    ...(platform === 'node' ? { packages: 'external' as const, external: ['vscode'] } : {}),
  });
  return result.metafile;
}

test('the extension bundle may not import tfjs or onnxruntime, directly or through the engine', async () => {
  const layerViolations = await rules();
  const direct = layerViolations('dist/extension.js', await metafileOf("import * as tf from '@tensorflow/tfjs'; console.log(tf);", 'src/extension/probe.ts', 'node'));
  assert.equal(direct.length, 1);
  assert.match(direct[0], /dist\/extension\.js imports @tensorflow\/tfjs \(from src\/extension\/probe\.ts\)/);
  const throughEngine = layerViolations('dist/extension.js', await metafileOf("import { train } from '../core/train/trainer'; console.log(train);", 'src/extension/probe.ts', 'node'));
  assert.ok(throughEngine.some((line) => /imports @tensorflow\/tfjs \(from .*src\/core\//.test(line)), throughEngine.join('\n'));
  const onnx = layerViolations('dist/extension.js', await metafileOf("import * as ort from 'onnxruntime-node'; console.log(ort);", 'src/extension/probe.ts', 'node'));
  assert.match(onnx[0] ?? '', /imports onnxruntime-node/);
  // The tfjs-free run store and report are the extension's to use.
  const allowed = layerViolations('dist/extension.js', await metafileOf("import * as vscode from 'vscode'; import { defaultRunsRoot } from '../core/runs/runStore'; console.log(vscode, defaultRunsRoot);", 'src/extension/probe.ts', 'node'));
  assert.deepEqual(allowed, []);
});

test('the engine, CLI and bench bundles may not import vscode', async () => {
  const layerViolations = await rules();
  const metafile = await metafileOf("import * as vscode from 'vscode'; console.log(vscode);", 'src/core/probe.ts', 'node');
  for (const outfile of ['dist/core.js', 'dist/cli.js', 'dist/bench.js']) {
    const problems = layerViolations(outfile, metafile);
    assert.equal(problems.length, 1, outfile);
    assert.match(problems[0], new RegExp(`${outfile.replace('.', '\\.')} imports vscode \\(from src/core/probe\\.ts\\)`));
  }
  assert.deepEqual(layerViolations('dist/extension.js', metafile), [], 'the extension host is where vscode belongs');
});

test('a webview bundles only webview code, the protocol and pure helpers', async () => {
  const layerViolations = await rules();
  const pure = await metafileOf("import { learningRateText } from '../src/numberText'; console.log(learningRateText(0.1));", 'webview/probe.ts', 'browser');
  assert.deepEqual(layerViolations('dist/webview/main.js', pure), []);
  const extensionCode = await metafileOf("import { percent } from '../src/extension/treeText'; console.log(percent(0.5));", 'webview/probe.ts', 'browser');
  const problems = layerViolations('dist/webview/main.js', extensionCode);
  assert.ok(problems.some((line) => line.includes('bundles src/extension/treeText.ts')), problems.join('\n'));
});
