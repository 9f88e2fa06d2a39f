import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCORERS, createScorer, getScorer } from '../../../src/core/scorers';
import { UserInputError } from '../../../src/core/errors';

test('the registry holds the paper\'s four scorers and the four beyond it, by their CLI names', () => {
  assert.deepEqual(Object.keys(SCORERS), ['msp', 'odin', 'energy', 'gradnorm', 'maxlogit', 'react', 'knn', 'mahalanobis']);
  for (const [name, entry] of Object.entries(SCORERS)) {
    const scorer = entry.create();
    assert.equal(scorer.name, name);
    assert.equal(typeof scorer.fit === 'function', entry.needsFit, `${name} needsFit`);
    // Every default is in effect, and passing the defaults back is accepted.
    const defined = Object.fromEntries(Object.entries(entry.defaults).filter(([, v]) => v !== undefined));
    for (const [option, value] of Object.entries(defined)) assert.deepEqual(scorer.settings[option], value, `${name}.${option}`);
    assert.doesNotThrow(() => entry.create(defined));
  }
});

test('settings record the options in effect', () => {
  assert.deepEqual(createScorer('energy', { temperature: 0.1 }).settings, { temperature: 0.1 });
  assert.deepEqual(createScorer('odin').settings, { temperature: 1000, epsilon: 0.0014 });
  assert.deepEqual(createScorer('odin', { inputStd: [0.247, 0.243, 0.261] }).settings.inputStd, [0.247, 0.243, 0.261]);
});

test('unknown scorers, foreign options and bad values are user errors that say what was expected', () => {
  assert.throws(() => getScorer('softmax'), (e: unknown) => e instanceof UserInputError && /unknown scorer 'softmax': expected one of msp, odin/.test(e.message));
  assert.throws(() => createScorer('msp', { epsilon: 0.1 }), (e: unknown) => e instanceof UserInputError && /'msp' has no option 'epsilon': expected one of temperature/.test(e.message));
  assert.throws(() => createScorer('maxlogit', { temperature: 2 }), /expected no options/);
  assert.throws(() => createScorer('energy', { temperature: 0 }), UserInputError);
  assert.throws(() => createScorer('energy', { temperature: NaN }), UserInputError);
  assert.throws(() => createScorer('odin', { epsilon: -1 }), UserInputError);
  assert.throws(() => createScorer('knn', { neighbours: 2.5 }), UserInputError);
  assert.throws(() => createScorer('react', { percentile: 101 }), UserInputError);
  assert.throws(() => createScorer('mahalanobis', { ridge: -1 }), UserInputError);
  // An option explicitly undefined is the same as absent (what a CLI parser may hand over).
  assert.doesNotThrow(() => createScorer('msp', { epsilon: undefined }));
});
