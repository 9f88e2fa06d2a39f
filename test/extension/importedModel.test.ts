/** The extension's side of imported (ONNX) models: the command line it runs, the tree's words, the contributions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { evaluateModelArguments } from '../../src/extension/cliArguments';
import { PREPROCESSING_PRESETS as PRESET_CHOICES } from '../../src/extension/choices';
import { PREPROCESSING_PRESETS } from '../../src/core/imported/preprocessing';
import { runDescription } from '../../src/extension/treeText';
import { parseArgs } from 'node:util';

test('the command line of Evaluate OOD (ONNX model) is one the CLI parses, with the answers given', () => {
  const args = evaluateModelArguments({
    model: '/w/net.onnx',
    dataset: 'cifar10',
    preset: 'cifar10',
    oodSets: ['gaussian', 'uniform'],
    scorers: ['msp', 'odin'],
    oodCount: 500,
    backend: 'auto',
    dataFolder: '/data',
    cacheFolder: '/cache',
    runsFolder: '/w/.oodlens/runs',
  });
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: Object.fromEntries(['dataset', 'preset', 'ood', 'scorers', 'ood-count', 'backend', 'data-dir', 'cache-dir', 'out', 'events'].map((name) => [name, { type: 'string' as const }])),
  });
  assert.deepEqual(positionals, ['evaluate', '/w/net.onnx']);
  assert.deepEqual({ ...values }, { dataset: 'cifar10', preset: 'cifar10', ood: 'gaussian,uniform', scorers: 'msp,odin', 'ood-count': '500', backend: 'auto', 'data-dir': '/data', 'cache-dir': '/cache', out: '/w/.oodlens/runs', events: 'jsonl' });
  // No preset: the sidecar's mean and std are used by the engine.
  assert.ok(!evaluateModelArguments({ model: 'm.onnx', dataset: 'd', oodSets: ['gaussian'], scorers: ['msp'], backend: 'auto', runsFolder: 'r' }).includes('--preset'));
  assert.throws(() => evaluateModelArguments({ model: 'm.onnx', dataset: 'd', oodSets: [], scorers: ['msp'], backend: 'auto', runsFolder: 'r' }), /OOD set/);
});

test('the quick pick offers exactly the engine\'s preprocessing presets', () => {
  assert.deepEqual([...PRESET_CHOICES].sort(), Object.keys(PREPROCESSING_PRESETS).sort());
});

test('an imported run reads as one in the tree: model, data, ID accuracy', () => {
  const text = runDescription({ id: 'r', runDir: '/r', status: 'done', kind: 'imported', bestTestAccuracy: 0.6388, config: { kind: 'imported', arch: 'model.onnx', dataset: '/data/cifar10-subset', loss: 'imported' }, warnings: [] });
  assert.equal(text, 'imported ONNX · model.onnx · cifar10-subset · ID acc 63.88%');
});

test('package.json contributes the command, on the Explorer menu of .onnx files only, and activates on it', () => {
  const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));
  assert.ok(manifest.contributes.commands.some((c: { command: string; title: string }) => c.command === 'oodLens.evaluateModel' && c.title !== 'Evaluate OOD'), 'a title of its own (the palette picks rows by title)');
  const menu = manifest.contributes.menus['explorer/context'].find((m: { command: string }) => m.command === 'oodLens.evaluateModel');
  assert.equal(menu?.when, 'resourceExtname == .onnx');
  assert.ok(manifest.activationEvents.includes('onCommand:oodLens.evaluateModel'));
});

test('the extension bundle loads neither ONNX Runtime nor the protobuf library (the engine does, in its child process)', () => {
  const bundle = path.resolve('dist/extension.js');
  if (!fs.existsSync(bundle)) assert.equal(spawnSync('npm', ['run', 'build'], { stdio: 'ignore' }).status, 0);
  const text = fs.readFileSync(bundle, 'utf8');
  assert.ok(!/onnxruntime|onnx-proto|protobufjs/.test(text));
});
