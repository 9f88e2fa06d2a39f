/**
 * A small CNN trained and exported by PyTorch (scripts/onnx/cifar10_reference.py), with PyTorch's
 * own logits, scores and metrics on the same PNG images (expected.json, written by that script,
 * computed there from the papers' formulas: GradNorm by autograd, Mahalanobis by a matrix inverse,
 * KNN by cdist). OOD Lens must reproduce them through ONNX Runtime and its own scorers.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { OnnxClassifier } from '../../../src/core/imported/onnxClassifier';
import { evaluateImportedModel, loadImportedData, outputsOf, planScorers, scoreOutputs } from '../../../src/core/imported/evaluateImported';
import { resolvePreprocessing } from '../../../src/core/imported/preprocessing';
import { limitTestSet } from '../../../src/core/data/subsets';
import { RunStore } from '../../../src/core/runs/runStore';

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'onnx', 'cifar10-small');
const MODEL = path.join(FIXTURE, 'model.onnx');
const OOD = path.join(FIXTURE, 'ood');

interface Expected {
  idAccuracy: number;
  reactClip: number;
  meanLogitNorm: Record<string, number>;
  idLogits: number[][];
  idScores: Record<string, number[]>;
  oodScores: { ood: Record<string, number[]> };
  metrics: { ood: Record<string, { fpr95: number; auroc: number }> };
}
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
const SCORERS = ['msp', 'maxlogit', 'energy', 'odin', 'gradnorm', 'react', 'knn', 'mahalanobis'];

before(async () => {
  await tf.setBackend('cpu');
});

function assertCloseArrays(actual: ArrayLike<number>, wanted: number[], relative: number, what: string): void {
  assert.equal(actual.length, wanted.length, `${what}: length`);
  for (let i = 0; i < wanted.length; i++) {
    const tolerance = relative * Math.max(1, Math.abs(wanted[i]));
    assert.ok(Math.abs(actual[i] - wanted[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs PyTorch ${wanted[i]} (tolerance ${tolerance})`);
  }
}

test('the graph of a PyTorch export: NCHW input, Gemm final layer, its input as features', async () => {
  const model = await OnnxClassifier.open(MODEL);
  try {
    const g = model.graph;
    assert.equal(g.input.name, 'input');
    assert.equal(g.finalLayer?.dim, 64);
    assert.equal(g.finalLayer?.classes, 10);
    assert.match(g.finalLayer?.description ?? '', /^Gemm /);
    assert.equal(g.features, g.finalLayer?.input);
    const pre = resolvePreprocessing(g.input, MODEL, { preset: 'cifar10' });
    assert.equal(pre.layout, 'nchw');
    assert.deepEqual([pre.height, pre.width, pre.channels], [32, 32, 3]);
    assert.equal(pre.sources.layout, 'model input shape');
  } finally {
    await model.dispose();
  }
});

test('logits and every scorer match PyTorch image by image', async () => {
  const model = await OnnxClassifier.open(MODEL);
  try {
    const pre = resolvePreprocessing(model.graph.input, MODEL, { preset: 'cifar10' });
    const data = await loadImportedData(pre, { dataset: path.join(FIXTURE, 'id'), oodSets: [OOD], oodCount: 1000 });
    const idOut = await outputsOf(model, data.idTest, pre, 16, () => undefined);
    const fitOut = await outputsOf(model, data.fitSample, pre, 16, () => undefined);
    const oodOut = await outputsOf(model, data.oodSets[0], pre, 16, () => undefined);
    assertCloseArrays(idOut.logits, expected.idLogits.flat(), 1e-4, 'ID logits');
    const fl = model.graph.finalLayer!;
    const kernel = tf.tensor2d(fl.kernel, [fl.dim, fl.classes]);
    const bias = tf.tensor1d(fl.bias!);
    const plan = planScorers(SCORERS, { knn: { neighbours: 5 } }, { features: true, lastLayer: true, why: [] });
    assert.deepEqual(plan.skipped, []);
    const before = tf.memory().numTensors;
    for (const entry of plan.run) {
      entry.scorer.fitFeatures?.({ features: fitOut.features!, labels: data.fitSample.labels, count: fitOut.count, dim: fitOut.featureDim }, 10);
      const name = entry.resultName;
      const id = scoreOutputs(entry.scorer, idOut, { kernel, bias }, 7);
      const ood = scoreOutputs(entry.scorer, oodOut, { kernel, bias }, 7);
      // float32 here, float64 there; Mahalanobis goes through a Cholesky of a nearly singular covariance.
      const tolerance = name === 'mahalanobis' ? 2e-3 : 1e-4;
      assertCloseArrays(id, expected.idScores[name], tolerance, `${name} ID`);
      assertCloseArrays(ood, expected.oodScores.ood[name], tolerance, `${name} OOD`);
      entry.scorer.dispose?.();
    }
    assert.equal(tf.memory().numTensors, before, 'scoring leaves no tensor behind');
    kernel.dispose();
    bias.dispose();
    assert.equal(plan.run.find((r) => r.name === 'react')?.scorer.settings.clipAt !== undefined, true);
    assert.ok(Math.abs(Number(plan.run.find((r) => r.name === 'react')!.scorer.settings.clipAt) - expected.reactClip) < 1e-5);
  } finally {
    await model.dispose();
  }
});

test('ood-lens evaluate on the export: accuracy, logit norms, AUROC and FPR95 as PyTorch computed them, in a run of kind imported', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ood-lens-imported-'));
  try {
    const { result, run } = await evaluateImportedModel({
      modelFile: MODEL,
      dataset: path.join(FIXTURE, 'id'),
      oodSets: [OOD],
      scorers: SCORERS,
      scorerOptions: { knn: { neighbours: 5 } },
      preprocessing: { preset: 'cifar10' },
      oodCount: 1000,
      runsRoot: root,
      backend: { name: 'cpu', reason: 'test' },
    });
    assert.equal(result.idAccuracy, expected.idAccuracy);
    assert.ok(Math.abs(result.logitNorm.id - expected.meanLogitNorm.id) < 1e-4);
    assert.ok(Math.abs(result.logitNorm.ood.ood - expected.meanLogitNorm.ood) < 1e-4);
    for (const [name, m] of Object.entries(expected.metrics.ood)) {
      const row = result.results.find((r) => r.scorer === name && r.oodSet === 'ood');
      assert.ok(row, `a result row for ${name}`);
      assert.ok(Math.abs(row.auroc - m.auroc) < 1e-9, `${name} AUROC ${row.auroc} vs PyTorch ${m.auroc}`);
      assert.ok(Math.abs(row.fpr95 - m.fpr95) < 1e-9, `${name} FPR95 ${row.fpr95} vs PyTorch ${m.fpr95}`);
    }
    // odin is reported under its own name, with the reason.
    assert.ok(!result.results.some((r) => r.scorer === 'odin'));
    assert.ok(result.imported?.notes.some((n) => n.startsWith('odin runs as odin-t')));
    // The run folder: kind imported, the model's file and hash, listed by the one run store.
    const listed = new RunStore(root).list();
    assert.equal(listed.length, 1);
    assert.equal(listed[0].record.kind, 'imported');
    assert.equal(listed[0].record.status, 'done');
    const config = listed[0].record.config as { model: { file: string; sha256: string } };
    assert.equal(config.model.file, MODEL);
    assert.match(config.model.sha256, /^[0-9a-f]{64}$/);
    assert.ok(fs.existsSync(path.join(run.evaluationsDir, `${result.id}.json`)));
    // The same model evaluated again lands in the same run.
    const again = await evaluateImportedModel({ modelFile: MODEL, dataset: path.join(FIXTURE, 'id'), oodSets: ['uniform'], scorers: ['msp'], preprocessing: { preset: 'cifar10' }, oodCount: 20, runsRoot: root, backend: { name: 'cpu', reason: 'test' } });
    assert.equal(again.run.id, run.id);
    assert.equal(fs.readdirSync(run.evaluationsDir).length, 2);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('--id-limit takes a seeded random subset of a class-sorted image folder, not its first images', async () => {
  const model = await OnnxClassifier.open(MODEL);
  try {
    const pre = resolvePreprocessing(model.graph.input, MODEL, { preset: 'cifar10' });
    const all = (await loadImportedData(pre, { dataset: path.join(FIXTURE, 'id'), oodSets: [] })).idTest;
    // The fixture's test folder: 10 classes of 5 PNGs each, listed class by class (labels 0,0,0,0,0,1,...).
    assert.deepEqual(Array.from(all.labels), Array.from({ length: 50 }, (_, i) => Math.floor(i / 5)));
    const limited = (await loadImportedData(pre, { dataset: path.join(FIXTURE, 'id'), oodSets: [], idLimit: 40, seed: 3 })).idTest;
    assert.equal(limited.count, 40);
    // The first 40 would be classes 0..7 only, 5 each, and no ship (8) or truck (9). A random 40 of
    // 50 leaves out 10 images; a class is missing only if all 5 of its images are among them.
    const perClass = Array.from({ length: 10 }, (_, c) => Array.from(limited.labels).filter((l) => l === c).length);
    assert.equal(perClass.reduce((a, b) => a + b, 0), 40);
    assert.ok(perClass.every((n) => n >= 1 && n <= 5), `per class ${perClass}`);
    assert.notDeepEqual(perClass, [5, 5, 5, 5, 5, 5, 5, 5, 0, 0]);
    // The images themselves are the test images limitTestSet picks for that seed (a run's --limit 40 test set), pixel for pixel.
    const picked = limitTestSet(all, 40, 3);
    assert.deepEqual(Array.from(limited.labels), Array.from(picked.labels));
    assert.ok(Buffer.from(limited.images).equals(Buffer.from(picked.images)), 'the same pixels');
    // Another seed, another subset.
    const other = (await loadImportedData(pre, { dataset: path.join(FIXTURE, 'id'), oodSets: [], idLimit: 40, seed: 4 })).idTest;
    assert.ok(!Buffer.from(other.images).equals(Buffer.from(limited.images)));
  } finally {
    await model.dispose();
  }
});
