import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isUserInputError } from '../../../src/core/errors';
import { createImageSet } from '../../../src/core/data/imageSet';
import { PREPROCESSING_PRESETS, parseSize, readSidecar, resolvePreprocessing, sidecarPath, toModelInput, writeSidecar } from '../../../src/core/imported/preprocessing';
import type { TensorInfo } from '../../../src/core/imported/onnxGraph';

const input = (dims: TensorInfo['dims']): TensorInfo => ({ name: 'x', dims, elemType: 1 });

function userError(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isUserInputError(e), `expected a UserInputError, got ${String(e)}`);
    assert.match((e as Error).message, pattern);
    return true;
  };
}

test('layout, size and channels come from the input shape where it fixes them', () => {
  const nchw = resolvePreprocessing(input(['N', 3, 32, 32]), 'm.onnx', { preset: 'cifar10' });
  assert.deepEqual([nchw.layout, nchw.height, nchw.width, nchw.channels], ['nchw', 32, 32, 3]);
  assert.deepEqual(nchw.mean, PREPROCESSING_PRESETS.cifar10.mean);
  assert.equal(nchw.sources.layout, 'model input shape');
  assert.equal(nchw.sources.mean, 'preset cifar10');
  const nhwc = resolvePreprocessing(input(['N', 28, 28, 1]), 'm.onnx', { mean: [0.1307], std: [0.3081] });
  assert.deepEqual([nhwc.layout, nhwc.height, nhwc.width, nhwc.channels], ['nhwc', 28, 28, 1]);
  assert.equal(nhwc.sources.mean, 'flag');
  // A fully symbolic input takes everything from the flags (or the preset's usual size).
  const open = resolvePreprocessing(input(['N', 'C', 'H', 'W']), 'm.onnx', { layout: 'NCHW', preset: 'imagenet' });
  assert.deepEqual([open.layout, open.height, open.width, open.channels], ['nchw', 224, 224, 3]);
  assert.equal(open.sources.size, 'preset imagenet');
  const sized = resolvePreprocessing(input(['N', 'H', 'W', 3]), 'm.onnx', { size: [64, 48], preset: 'none' });
  assert.deepEqual([sized.layout, sized.height, sized.width], ['nhwc', 64, 48]);
  // One mean / std value is used for every channel.
  const one = resolvePreprocessing(input(['N', 3, 8, 8]), 'm.onnx', { mean: [0.5], std: [0.25] });
  assert.deepEqual(one.mean, [0.5, 0.5, 0.5]);
  assert.deepEqual(one.std, [0.25, 0.25, 0.25]);
});

test('what cannot be told, or contradicts the model, is a UserInputError naming the fix', () => {
  assert.throws(() => resolvePreprocessing(input(['N', 3, 32, 3]), 'm.onnx', { preset: 'none' }), userError(/does not tell its layout: expected --layout nchw/));
  assert.throws(() => resolvePreprocessing(input(['N', 'C', 'H', 'W']), 'm.onnx', { preset: 'none' }), userError(/does not tell its layout/));
  assert.throws(() => resolvePreprocessing(input(['N', 3, 'H', 'W']), 'm.onnx', { preset: 'none' }), userError(/does not fix the image size: expected --size/));
  assert.throws(() => resolvePreprocessing(input(['N', 3, 32, 32]), 'm.onnx', {}), userError(/no normalisation for m\.onnx: expected --preset cifar10\|cifar100\|imagenet\|none or --mean/));
  assert.throws(() => resolvePreprocessing(input(['N', 3, 32, 32]), 'm.onnx', { preset: 'svhn' }), userError(/unknown preprocessing preset 'svhn'/));
  assert.throws(() => resolvePreprocessing(input(['N', 3, 32, 32]), 'm.onnx', { layout: 'nhwc', preset: 'none' }), userError(/32 in the channel position of NHWC.*is the layout nchw/));
  assert.throws(() => resolvePreprocessing(input(['N', 3, 32, 32]), 'm.onnx', { size: [28, 28], preset: 'none' }), userError(/fixes the height at 32, but flag says 28/));
  assert.throws(() => resolvePreprocessing(input(['N', 3, 32, 32]), 'm.onnx', { channels: 1, preset: 'none' }), userError(/fixes the channels at 3, but flag says 1/));
  assert.throws(() => resolvePreprocessing(input(['N', 3, 32, 32]), 'm.onnx', { mean: [0.1, 0.2], std: [1] }), userError(/mean has 2 values for 3-channel images/));
  assert.throws(() => resolvePreprocessing(input(['N', 3, 32, 32]), 'm.onnx', { mean: [0], std: [0] }), userError(/std 0,0,0 has a value <= 0/));
  assert.throws(() => parseSize('32by32'), userError(/--size '32by32' is not HEIGHTxWIDTH/));
  assert.deepEqual(parseSize('224'), [224, 224]);
  assert.deepEqual(parseSize('32x24'), [32, 24]);
});

test('the sidecar <model>.oodlens.json fills what the flags leave open; flags win', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ood-lens-sidecar-'));
  try {
    const model = path.join(dir, 'net.onnx');
    assert.equal(sidecarPath(model), path.join(dir, 'net.oodlens.json'));
    assert.equal(readSidecar(model), undefined);
    fs.writeFileSync(sidecarPath(model), JSON.stringify({ layout: 'nhwc', size: [16, 16], mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], features: 'pool' }));
    const sidecar = readSidecar(model)!;
    assert.equal(sidecar.spec.features, 'pool');
    const pre = resolvePreprocessing(input(['N', 'H', 'W', 'C']), model, { std: [0.2, 0.2, 0.2] }, sidecar);
    assert.deepEqual([pre.layout, pre.height, pre.width, pre.channels], ['nhwc', 16, 16, 3]);
    assert.deepEqual(pre.mean, [0.5, 0.5, 0.5]);
    assert.deepEqual(pre.std, [0.2, 0.2, 0.2]);
    assert.match(pre.sources.mean, /^sidecar /);
    assert.equal(pre.sources.std, 'flag');
    // The extension's answers are merged in; keys it does not set stay.
    writeSidecar(model, { dataset: 'cifar10', ood: ['gaussian'], scorers: ['msp', 'knn'], preset: undefined });
    const merged = readSidecar(model)!.spec;
    assert.deepEqual([merged.layout, merged.dataset, merged.ood, merged.scorers, merged.features], ['nhwc', 'cifar10', ['gaussian'], ['msp', 'knn'], 'pool']);
    fs.writeFileSync(sidecarPath(model), '{ not json');
    assert.throws(() => readSidecar(model), userError(/net\.oodlens\.json is not JSON/));
    fs.writeFileSync(sidecarPath(model), JSON.stringify({ mean: 'red' }));
    assert.throws(() => readSidecar(model), userError(/'mean' is "red": expected a list of numbers/));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('toModelInput: (byte / 255 - mean) / std per channel, planes for NCHW and interleaved for NHWC', () => {
  // Two 1x2 RGB images, pixel bytes chosen so every value is easy to follow.
  const bytes = [0, 51, 102, 153, 204, 255, 255, 0, 51, 102, 153, 204];
  const set = createImageSet({ name: 't', images: Uint8Array.from(bytes), labels: Int32Array.from([0, 1]), height: 1, width: 2, channels: 3 });
  const mean = [0.2, 0.4, 0.6];
  const std = [0.5, 0.25, 2];
  const v = (b: number, c: number) => (b / 255 - mean[c]) / std[c];
  const base = { height: 1, width: 2, channels: 3, mean, std, sources: {} };
  const nhwc = toModelInput(set, [1, 0], { ...base, layout: 'nhwc' });
  const expectedNhwc = [255, 0, 51, 102, 153, 204, 0, 51, 102, 153, 204, 255].map((b, i) => v(b, i % 3));
  nhwc.forEach((x, i) => assert.ok(Math.abs(x - expectedNhwc[i]) < 1e-6, `nhwc[${i}]`));
  const nchw = toModelInput(set, [0], { ...base, layout: 'nchw' });
  // image 0: pixel 0 = (0, 51, 102), pixel 1 = (153, 204, 255) -> R plane, G plane, B plane
  const expectedNchw = [v(0, 0), v(153, 0), v(51, 1), v(204, 1), v(102, 2), v(255, 2)];
  nchw.forEach((x, i) => assert.ok(Math.abs(x - expectedNchw[i]) < 1e-6, `nchw[${i}]`));
});
