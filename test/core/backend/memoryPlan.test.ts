// The memory probe (peak tensor bytes at 1 and 2 images, as a line in the batch) against bytes
// worked out by hand, and the batch it picks for a scorer against the peak measured at that batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend, tf } from '../../../src/core/backend';
import { isUserInputError } from '../../../src/core/errors';
import { fittingBatch, largestFitting, measurePeakBytes } from '../../../src/core/backend/memoryPlan';
import { memoryBudget, PLANNED_SHARE, WASM_HEAP_MAX_BYTES } from '../../../src/core/backend/memoryLimit';
import { buildModel } from '../../../src/core/models/registry';
import { createScorer } from '../../../src/core/scorers';
import { seededValues } from './backendComparison';

test('the probe finds the bytes of a computation worked out by hand', async () => {
  await initBackend('cpu');
  const weights = tf.ones([1000, 10]);
  // x: n x 1000 floats; matMul: n x 10; relu of it: n x 10. All alive at the end of the tidy,
  // so the peak is the weights (40,000 B) + n * (4000 + 40 + 40) B.
  const peak = await measurePeakBytes((n) => {
    tf.tidy(() => {
      const x = tf.fill([n, 1000], 0.5);
      tf.relu(tf.matMul(x, weights));
    });
  });
  assert.equal(peak.perExampleBytes, 4080);
  assert.equal(peak.fixedBytes, 40000);
  assert.equal(largestFitting(peak, 40000 + 10 * 4080, 256), 10);
  assert.equal(largestFitting(peak, 40000 + 10 * 4080, 8), 8);
  assert.equal(largestFitting(peak, 40000 + 4079, 256), 0);
  await assert.rejects(measurePeakBytes(() => void tf.ones([2])), /left 1 tensor\(s\) behind/);
  weights.dispose();
});

test("ODIN's batch is cut to what fits the budget, and the peak measured at that batch is the planned one (wasm)", async () => {
  await initBackend('wasm');
  const model = buildModel({ arch: 'cnn', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  const odin = createScorer('odin', { inputStd: [0.3081] });
  const images = (n: number) => tf.tensor4d(seededValues(n * 784, n), [n, 28, 28, 1]);
  const pass = (n: number) => {
    const x = images(n);
    odin.score(model, x);
    x.dispose();
  };
  const roomy = await fittingBatch('odin on cnn', pass, 256, { bytes: 1e12, what: 'a test budget' }, 'wasm');
  assert.equal(roomy.batch, 256);
  assert.equal(roomy.note, undefined);
  const budget = roomy.peak.fixedBytes + 20.5 * roomy.peak.perExampleBytes;
  const tight = await fittingBatch('odin on cnn', pass, 256, { bytes: budget, what: 'a test budget' }, 'wasm');
  assert.equal(tight.batch, 20);
  assert.match(tight.note ?? '', /^memory: odin on cnn at batch 256 needs about .* \(.* an image, .* besides; the wasm backend's budget is .* \(a test budget\)\): 20 images at a time$/);
  const measured = await tf.profile(() => pass(20));
  const planned = tight.peak.fixedBytes + 20 * tight.peak.perExampleBytes;
  assert.ok(Math.abs(measured.peakBytes / planned - 1) < 0.05, `measured ${measured.peakBytes}, planned ${planned}`);
  await assert.rejects(fittingBatch('odin on cnn', pass, 256, { bytes: roomy.peak.fixedBytes, what: 'a deliberately tiny limit' }, 'wasm'), (e) => {
    assert.ok(isUserInputError(e));
    assert.equal((e as Error).message.split('\n').length, 1);
    assert.match((e as Error).message, /^odin on cnn does not fit even one image at a time \(.*; the wasm backend's budget is .* \(a deliberately tiny limit\)\); use the native backend/);
    return true;
  });
  odin.dispose?.();
  model.dispose();
});

test('the wasm limit is the one tfjs-backend-wasm declares: 65,536 pages in every .wasm, getHeapMax() in the loader', () => {
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) {
    assert.equal(declaredMaximumPages(fs.readFileSync(path.join(dist, file))), 65536, file);
  }
  const loader = fs.readFileSync(path.join(dist, 'tf-backend-wasm.node.js'), 'utf8');
  const limits = [...loader.matchAll(/function getHeapMax\(\) \{ return (\d+); \}/g)].map((m) => Number(m[1]));
  assert.ok(limits.length > 0 && limits.every((l) => l === WASM_HEAP_MAX_BYTES), `getHeapMax() returns ${limits.join(', ')}`);
  assert.equal(memoryBudget('wasm').bytes, PLANNED_SHARE * WASM_HEAP_MAX_BYTES);
  assert.equal(memoryBudget('tensorflow', 10 * 2 ** 30).bytes, PLANNED_SHARE * 10 * 2 ** 30);
});

/** The maximum of the memory a WebAssembly module defines (its memory section), in 64 KiB pages. */
function declaredMaximumPages(bytes: Buffer): number | undefined {
  let p = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[p++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 5) {
      leb(); // one memory
      const flags = leb();
      leb(); // its minimum
      return flags & 1 ? leb() : undefined;
    }
    p = end;
  }
  return undefined;
}
