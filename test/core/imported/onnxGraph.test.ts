import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { onnx } from 'onnx-proto';
import { isUserInputError } from '../../../src/core/errors';
import { OnnxClassifier } from '../../../src/core/imported/onnxClassifier';
import { readClassifierGraph } from '../../../src/core/imported/onnxGraph';
import { evaluateImportedModel, loadImportedData, outputsOf, planScorers } from '../../../src/core/imported/evaluateImported';
import { resolvePreprocessing } from '../../../src/core/imported/preprocessing';
import { seededRandom } from '../metrics/random';
import { CONV_NET, MATMUL_NET, convNetByHand, convNetModel, floatTensor, matMulNetByHand, matMulNetModel, modelBytes, node, valueInfo } from './onnxBuilder';

before(async () => {
  await tf.setBackend('cpu');
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ood-lens-onnx-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function writeModel(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

function assertClose(actual: ArrayLike<number>, wanted: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, wanted.length, `${what}: length`);
  for (let i = 0; i < wanted.length; i++) assert.ok(Math.abs(actual[i] - wanted[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${wanted[i]}`);
}

/** A UserInputError whose message matches. */
function userError(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isUserInputError(e), `expected a UserInputError, got ${String(e)}`);
    assert.match((e as Error).message, pattern);
    assert.ok(!(e as Error).message.includes('\n'), 'one line');
    return true;
  };
}

test('Conv -> Relu -> GlobalAveragePool -> Flatten -> Gemm (NCHW): the final layer, its weights transposed to [d, k], and its input as features', () => {
  const g = readClassifierGraph(convNetModel(), 'conv.onnx');
  assert.equal(g.input.name, 'x');
  assert.deepEqual(g.input.dims, ['N', 3, 4, 4]);
  assert.equal(g.logits, 'logits');
  assert.equal(g.features, 'features');
  assert.equal(g.classes, 3);
  const fl = g.finalLayer!;
  assert.match(fl.description, /^Gemm /);
  assert.equal(fl.dim, 2);
  assert.equal(fl.classes, 3);
  // kernel[d][k] = fcW[k][d] (transB = 1), read from float_data; bias from raw_data.
  assert.deepEqual(Array.from(fl.kernel), [CONV_NET.fcW[0][0], CONV_NET.fcW[1][0], CONV_NET.fcW[2][0], CONV_NET.fcW[0][1], CONV_NET.fcW[1][1], CONV_NET.fcW[2][1]].map(Math.fround));
  assert.deepEqual(Array.from(fl.bias!), CONV_NET.fcB.map(Math.fround));
  assert.deepEqual(g.extraOutputs, ['features']);
  assert.deepEqual(g.notes, []);
});

test('MatMul + Add -> Softmax (NHWC): the logits are the Softmax input, the bias may come first in Add', () => {
  const g = readClassifierGraph(matMulNetModel(), 'mm.onnx');
  assert.equal(g.logits, 'logits');
  assert.match(g.logitsSource, /Softmax/);
  assert.equal(g.features, 'features');
  assert.match(g.finalLayer!.description, /^MatMul .* \+ Add /);
  assert.deepEqual(Array.from(g.finalLayer!.kernel), MATMUL_NET.w.flat().map(Math.fround));
  assert.deepEqual(Array.from(g.finalLayer!.bias!), MATMUL_NET.b.map(Math.fround));
  assert.deepEqual(g.extraOutputs.sort(), ['features', 'logits']);
});

test('ONNX Runtime returns logits and features of both graphs as worked out by hand', async () => {
  const rng = seededRandom(5);
  const n = 3;
  // NCHW
  const conv = await OnnxClassifier.open(writeModel('conv.onnx', convNetModel()));
  const nchw = Array.from({ length: n }, () => Array.from({ length: 3 }, () => Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => rng() * 2 - 1))));
  const out = await conv.run(Float32Array.from(nchw.flat(3)), [n, 3, 4, 4]);
  const byHand = nchw.map(convNetByHand);
  assertClose(out.logits, byHand.flatMap((h) => h.logits), 1e-5, 'conv logits');
  assertClose(out.features!, byHand.flatMap((h) => h.features), 1e-5, 'conv features');
  assert.equal(out.featureDim, 2);
  await conv.dispose();
  // NHWC, the graph's own output being probabilities
  const mm = await OnnxClassifier.open(writeModel('mm.onnx', matMulNetModel()));
  const nhwc = Array.from({ length: n }, () => Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => Array.from({ length: 3 }, () => rng()))));
  const out2 = await mm.run(Float32Array.from(nhwc.flat(3)), [n, 4, 4, 3]);
  const byHand2 = nhwc.map(matMulNetByHand);
  assertClose(out2.logits, byHand2.flatMap((h) => h.logits), 1e-5, 'matmul logits (not probabilities)');
  assertClose(out2.features!, byHand2.flatMap((h) => h.features), 1e-5, 'matmul features');
  await mm.dispose();
});

test('--features names another tensor: it is read (flattened), and react / gradnorm, which need the final layer\'s input, are skipped with the reason', async () => {
  const g = readClassifierGraph(convNetModel(), 'conv.onnx', { features: 'relu' });
  assert.equal(g.features, 'relu');
  assert.equal(g.finalLayer, undefined);
  assert.match(g.notes.join(' '), /not the input of Gemm/);
  const model = await OnnxClassifier.open(writeModel('conv2.onnx', convNetModel()), { features: 'relu' });
  const out = await model.run(new Float32Array(2 * 48).fill(0.5), [2, 3, 4, 4]);
  assert.equal(out.featureDim, 2 * 4 * 4);
  await model.dispose();
  const plan = planScorers(['msp', 'react', 'gradnorm', 'knn'], {}, { features: true, lastLayer: false, why: g.notes });
  assert.deepEqual(plan.run.map((r) => r.name), ['msp', 'knn']);
  assert.deepEqual(plan.skipped.map((s) => s.scorer), ['react', 'gradnorm']);
  assert.match(plan.skipped[0].reason, /final linear layer/);
  // The same tensor as the final layer's input keeps the final layer.
  assert.ok(readClassifierGraph(convNetModel(), 'conv.onnx', { features: 'features' }).finalLayer);
});

test('a graph whose logits do not come from a linear layer: logits-only scorers run, the others say why', () => {
  const bytes = modelBytes({
    node: [node('GlobalAveragePool', ['x'], ['pool']), node('Flatten', ['pool'], ['flat']), node('Mul', ['flat', 'scale'], ['logits'])],
    initializer: [floatTensor('scale', [1], [2])],
    input: [valueInfo('x', ['N', 3, 8, 8])],
    output: [valueInfo('logits', ['N', 3])],
  });
  const g = readClassifierGraph(bytes, 'mul.onnx');
  assert.equal(g.finalLayer, undefined);
  assert.equal(g.features, undefined);
  assert.match(g.notes[0], /made by Mul .*expected Gemm, or MatMul/);
  const plan = planScorers(['msp', 'energy', 'odin', 'knn', 'gradnorm'], {}, { features: false, lastLayer: false, why: g.notes });
  assert.deepEqual(plan.run.map((r) => r.resultName), ['msp', 'energy', 'odin-t']);
  assert.deepEqual(plan.skipped.map((s) => s.scorer), ['knn', 'gradnorm']);
  assert.match(plan.skipped[0].reason, /penultimate features .*Mul/);
  // odin-t is the max softmax at T = 1000: labelled, with epsilon 0.
  const odin = plan.run[2];
  assert.deepEqual(odin.scorer.settings, { temperature: 1000, epsilon: 0 });
  assert.match(plan.notes[0], /temperature scaling only/);
});

test('models that cannot be understood: one-line errors naming what was found and what was expected', () => {
  const ok = (graph: Parameters<typeof modelBytes>[0]) => modelBytes(graph);
  const gemm = [node('Flatten', ['x'], ['f']), node('Gemm', ['f', 'w'], ['y'], [])];
  const init = [floatTensor('w', [48, 3], new Array(144).fill(0.1))];
  assert.throws(() => readClassifierGraph(new Uint8Array([1, 2, 3, 4, 5, 250, 251]), 'junk.onnx'), userError(/junk\.onnx is not an ONNX model/));
  assert.throws(() => readClassifierGraph(new TextEncoder().encode('hello, not a model'), 'text.onnx'), userError(/text\.onnx is not an ONNX model/));
  assert.throws(
    () => readClassifierGraph(ok({ node: gemm, initializer: init, input: [valueInfo('x', ['N', 3, 4, 4]), valueInfo('mask', ['N', 4])], output: [valueInfo('y', ['N', 3])] }), 'two.onnx'),
    userError(/has 2 inputs \(x \[N, 3, 4, 4\], mask \[N, 4\]\): expected one image input/),
  );
  assert.throws(() => readClassifierGraph(ok({ node: gemm, initializer: init, input: [valueInfo('x', ['N', 48])], output: [valueInfo('y', ['N', 3])] }), 'flat.onnx'), userError(/input 'x' has shape \[N, 48\]: expected 4 dims/));
  assert.throws(
    () => readClassifierGraph(ok({ node: gemm, initializer: init, input: [valueInfo('x', ['N', 3, 4, 4], onnx.TensorProto.DataType.UINT8)], output: [valueInfo('y', ['N', 3])] }), 'u8.onnx'),
    userError(/input 'x' is UINT8: expected FLOAT/),
  );
  assert.throws(
    () => readClassifierGraph(ok({ node: [node('Relu', ['x'], ['y'])], input: [valueInfo('x', ['N', 3, 4, 4])], output: [valueInfo('y', ['N', 3, 4, 4])] }), 'seg.onnx'),
    userError(/output 'y' has shape \[N, 3, 4, 4\]: expected the logits \[N, classes\]/),
  );
  assert.throws(
    () => readClassifierGraph(ok({ node: gemm, initializer: [floatTensor('w', [48, 1], new Array(48).fill(1))], input: [valueInfo('x', ['N', 3, 4, 4])], output: [valueInfo('y', ['N', 1])] }), 'one.onnx'),
    userError(/1 value\(s\) per image: expected the logits of 2 or more classes/),
  );
  assert.throws(() => readClassifierGraph(convNetModel(), 'conv.onnx', { features: 'nope' }), userError(/no tensor 'nope' made by a node.*\('features'\)/));
});

/** A 3-class folder data set of 4x4 RGB PNGs (train/ and test/), for the conv net. */
function writeDataset(root: string): void {
  const rng = seededRandom(9);
  for (const split of ['train', 'test']) {
    for (const cls of ['a', 'b', 'c']) {
      fs.mkdirSync(path.join(root, split, cls), { recursive: true });
      for (let i = 0; i < 4; i++) {
        const png = new PNG({ width: 4, height: 4 });
        for (let p = 0; p < 16; p++) {
          png.data[4 * p] = Math.floor(rng() * 256);
          png.data[4 * p + 1] = Math.floor(rng() * 256);
          png.data[4 * p + 2] = Math.floor(rng() * 256);
          png.data[4 * p + 3] = 255;
        }
        fs.writeFileSync(path.join(root, split, cls, `${i}.png`), PNG.sync.write(png));
      }
    }
  }
}

test('evaluate: a mistake found before any work leaves no run folder behind; a model without features still evaluates, listing what it skipped', async () => {
  const data = path.join(tmp, 'data');
  writeDataset(data);
  const modelFile = writeModel('conv-eval.onnx', convNetModel());
  const runsRoot = path.join(tmp, 'runs-errors');
  const base = { modelFile, dataset: data, oodSets: ['uniform'], scorers: ['msp'], oodCount: 8, runsRoot, backend: { name: 'cpu', reason: 'test' } };
  await assert.rejects(evaluateImportedModel({ ...base }), userError(/no normalisation for .*expected --preset/));
  await assert.rejects(evaluateImportedModel({ ...base, preprocessing: { preset: 'none' }, oodSets: ['no-such-set'] }), userError(/unknown OOD set 'no-such-set'/));
  await assert.rejects(evaluateImportedModel({ ...base, preprocessing: { preset: 'none' }, scorers: ['nope'] }), userError(/unknown scorer 'nope'/));
  await assert.rejects(evaluateImportedModel({ ...base, preprocessing: { preset: 'none', size: [8, 8] } }), userError(/fixes the height at 4, but flag says 8/));
  await assert.rejects(evaluateImportedModel({ ...base, modelFile: path.join(tmp, 'missing.onnx'), preprocessing: { preset: 'none' } }), userError(/no file .*missing\.onnx/));
  assert.equal(fs.existsSync(runsRoot), false, 'nothing written');

  const mulModel = writeModel(
    'mul.onnx',
    modelBytes({
      node: [node('GlobalAveragePool', ['x'], ['pool']), node('Flatten', ['pool'], ['logits'])],
      input: [valueInfo('x', ['N', 3, 4, 4])],
      output: [valueInfo('logits', ['N', 3])],
    }),
  );
  const { result } = await evaluateImportedModel({ ...base, modelFile: mulModel, preprocessing: { preset: 'none' }, scorers: ['msp', 'knn', 'react'], runsRoot: path.join(tmp, 'runs-ok') });
  assert.deepEqual([...new Set(result.results.map((r) => r.scorer))], ['msp']);
  assert.deepEqual(result.imported?.skipped.map((s) => s.scorer), ['knn', 'react']);
  assert.equal(result.idCount, 12);
});

test('evaluate reports progress batch by batch and stops between batches when asked: the run is marked cancelled', async () => {
  const data = path.join(tmp, 'data-cancel');
  writeDataset(data);
  const modelFile = writeModel('conv-cancel.onnx', convNetModel());
  const runsRoot = path.join(tmp, 'runs-cancel');
  const events: { type: string; step?: number; totalSteps?: number }[] = [];
  const base = { modelFile, dataset: data, oodSets: ['uniform', 'gaussian'], scorers: ['msp', 'knn'], scorerOptions: { knn: { neighbours: 2 } }, preprocessing: { preset: 'none' }, oodCount: 8, batchSize: 4, runsRoot, backend: { name: 'cpu', reason: 'test' } };
  await evaluateImportedModel({ ...base, hooks: { onEvent: (e) => events.push(e as { type: string }) } });
  const progress = events.filter((e) => e.type === 'progress');
  // Batches of 4: ID test 12 images (3), the ID train sample for knn 12 (3), two OOD sets of 8 (2 + 2), then one step per scorer.
  assert.equal(progress.length, 3 + 3 + 2 + 2 + 2);
  assert.ok(progress.every((e, i) => e.step === i + 1 && e.totalSteps === progress.length));
  assert.deepEqual(events.map((e) => e.type).filter((t) => t !== 'progress'), ['started', 'evaluation', 'finished']);

  let asked = 0;
  await assert.rejects(
    evaluateImportedModel({ ...base, hooks: { shouldStop: () => ++asked > 2 } }),
    (e: unknown) => e instanceof Error && e.name === 'EvaluationCancelled',
  );
  const runs = fs.readdirSync(runsRoot).map((id) => JSON.parse(fs.readFileSync(path.join(runsRoot, id, 'run.json'), 'utf8')));
  assert.equal(runs.length, 1, 'the same model and preprocessing: one run');
  assert.equal(runs[0].status, 'cancelled');
  assert.equal(fs.readdirSync(path.join(runsRoot, runs[0].id, 'evaluations')).length, 1, 'the cancelled evaluation wrote no file');
});

test('a model exported with a fixed batch size gets full batches (the last padded) and the same outputs as a dynamic one', async () => {
  const data = path.join(tmp, 'data-fixed');
  writeDataset(data);
  const pre = resolvePreprocessing(readClassifierGraph(convNetModel(), 'conv.onnx').input, 'conv.onnx', { preset: 'none' });
  const set = (await loadImportedData(pre, { dataset: data, oodSets: [], idLimit: 5 })).idTest;
  assert.equal(set.count, 5);
  const dynamic = await OnnxClassifier.open(writeModel('conv-dyn.onnx', convNetModel()));
  const fixed = await OnnxClassifier.open(writeModel('conv-fixed.onnx', convNetModel(2)));
  assert.equal(fixed.fixedBatch, 2);
  assert.equal(dynamic.fixedBatch, undefined);
  const a = await outputsOf(dynamic, set, pre, 256, () => undefined);
  let batches = 0;
  const b = await outputsOf(fixed, set, pre, 256, () => batches++);
  assert.equal(batches, 3, '5 images in batches of 2');
  assertClose(b.logits, Array.from(a.logits), 1e-6, 'logits');
  assertClose(b.features!, Array.from(a.features!), 1e-6, 'features');
  await dynamic.dispose();
  await fixed.dispose();
});
