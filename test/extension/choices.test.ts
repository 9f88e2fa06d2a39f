import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ARCHITECTURES, ARCHITECTURE_DETAILS, AUTO_LEARNING_RATE, AUTO_SCHEDULE } from '../../src/extension/choices';
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
