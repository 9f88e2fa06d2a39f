import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogram, sharedRange } from '../../../src/core/metrics';
import { UserInputError } from '../../../src/core/errors';

test('histogram by hand: half-open bins, last bin closed, outliers counted aside', () => {
  // Range [0, 1], 4 bins of 0.25: [0, .25) [.25, .5) [.5, .75) [.75, 1].
  //   0 -> bin 0; 0.25 -> bin 1; 0.5 -> bin 2; 0.7 -> bin 2; 1 -> bin 3 (closed); -1 below; 2 above.
  const h = histogram([0, 0.25, 0.5, 0.7, 1, -1, 2], { bins: 4, min: 0, max: 1 });
  assert.deepEqual(h.counts, [1, 1, 2, 1]);
  assert.deepEqual(h.edges, [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(h.below, 1);
  assert.equal(h.above, 1);
  assert.equal(h.total, 7);
  assert.deepEqual(h.fractions, [1 / 7, 1 / 7, 2 / 7, 1 / 7]);
});

test('ID and OOD share one range; degenerate ranges widen; bad options are user errors', () => {
  const id = Float32Array.from([0.5, 0.9, 1]);
  const ood = [0.1, 0.2, Infinity];
  const range = sharedRange(id, ood);
  assert.deepEqual(range, { min: 0.1, max: 1 }); // Infinity is ignored for the range
  const hi = histogram(id, { bins: 3, ...range });
  const ho = histogram(ood, { bins: 3, ...range });
  assert.deepEqual(hi.edges, ho.edges);
  assert.equal(hi.counts.reduce((a, b) => a + b, 0), 3);
  assert.equal(ho.above, 1);
  // All equal -> [v - 0.5, v + 0.5], one value in the middle bin.
  assert.deepEqual(histogram([2, 2], { bins: 3 }).counts, [0, 2, 0]);
  assert.throws(() => histogram([1], { bins: 0 }), UserInputError);
  assert.throws(() => histogram([1], { bins: 2, min: 1, max: 1 }), UserInputError);
  assert.throws(() => histogram([NaN], { bins: 2, min: 0, max: 1 }), UserInputError);
});
