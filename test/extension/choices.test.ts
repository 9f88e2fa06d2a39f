import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ARCHITECTURES, ARCHITECTURE_DETAILS, AUTO_LEARNING_RATE, AUTO_SCHEDULE, BACKENDS, DATASETS, LOSSES, OOD_SETS, PREPROCESSING_PRESETS, SCORERS } from '../../src/extension/choices';
import { MODELS } from '../../src/core/models/registry';

// One list of names: the engine's registry, the quick picks and the settings' enum in package.json.
const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const properties = manifest.contributes.configuration.properties;

test('architectures: the quick picks, their details and the settings enum are the engine\'s registry', () => {
  assert.deepEqual([...ARCHITECTURES].sort(), Object.keys(MODELS).sort());
  assert.deepEqual(Object.keys(ARCHITECTURE_DETAILS).sort(), Object.keys(MODELS).sort());
  assert.deepEqual(properties['oodLens.defaultArchitecture'].enum, [...ARCHITECTURES]);
});

test('the learning rate and schedule settings default to auto: the engine\'s recipe', () => {
  assert.equal(properties['oodLens.defaultLearningRate'].default, AUTO_LEARNING_RATE);
  assert.equal(properties['oodLens.defaultSchedule'].default, AUTO_SCHEDULE);
});

test('every other name the extension offers is the engine\'s, and the settings enums in package.json are the quick picks', async () => {
  const { DATASETS: ENGINE_DATASETS } = await import('../../src/core/data/registry');
  const { knownOodSetNames } = await import('../../src/core/data/oodSets');
  const { LOSSES: ENGINE_LOSSES } = await import('../../src/core/losses/registry');
  const { SCORERS: ENGINE_SCORERS } = await import('../../src/core/scorers/registry');
  const { BACKEND_NAMES } = await import('../../src/core/backend');
  const { PREPROCESSING_PRESETS: ENGINE_PRESETS } = await import('../../src/core/imported/preprocessing');
  assert.deepEqual([...DATASETS].sort(), Object.keys(ENGINE_DATASETS).sort(), 'data sets');
  assert.deepEqual([...LOSSES].sort(), Object.keys(ENGINE_LOSSES).sort(), 'losses');
  assert.deepEqual([...SCORERS].sort(), Object.keys(ENGINE_SCORERS).sort(), 'scorers');
  assert.deepEqual([...BACKENDS], [...BACKEND_NAMES], 'backends');
  assert.deepEqual([...PREPROCESSING_PRESETS].sort(), Object.keys(ENGINE_PRESETS).sort(), 'preprocessing presets');
  assert.deepEqual([...OOD_SETS].sort(), [...knownOodSetNames()].sort(), 'OOD sets');
  assert.deepEqual(properties['oodLens.defaultDataset'].enum, [...DATASETS]);
  assert.deepEqual(properties['oodLens.defaultLoss'].enum, [...LOSSES]);
  assert.deepEqual(properties['oodLens.defaultScorers'].items.enum, [...SCORERS]);
  assert.deepEqual(properties['oodLens.backend'].enum, [...BACKENDS]);
  // The defaults a setting starts from are among its own choices.
  for (const scorer of properties['oodLens.defaultScorers'].default) assert.ok((SCORERS as readonly string[]).includes(scorer), scorer);
  for (const set of properties['oodLens.defaultOodSets'].default) assert.ok((OOD_SETS as readonly string[]).includes(set), set);
});
