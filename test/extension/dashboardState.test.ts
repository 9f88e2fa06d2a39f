import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dashboardStateOf } from '../../src/extension/dashboardState';
import { RunStoreCache } from '../../src/extension/runStoreCache';

test('the dashboard shows the engine\'s warnings (a runaway logit norm) at the top of its facts', async () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-dash-'));
  const warning = 'logit-norm-runaway: the mean logit norm of ID test data is 3.1e+07 at epoch 1';
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ id: 'r1', status: 'done', config: { arch: 'lenet', lr: 0.1 }, warnings: [warning], bestTestAccuracy: 0.11 }));
  // Read as the dashboard reads it: through the run store cache.
  const cache = new RunStoreCache();
  const state = dashboardStateOf(await cache.run(runDir));
  assert.deepEqual(state.facts[0], { key: 'warning', value: warning });
  assert.equal(state.facts.filter((fact) => fact.key === 'warning').length, 1);
  // A run without warnings shows none.
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ id: 'r1', status: 'done', config: { arch: 'lenet' } }));
  cache.invalidate([path.join(runDir, 'run.json')]);
  assert.ok(!dashboardStateOf(await cache.run(runDir)).facts.some((fact) => fact.key === 'warning'));
});
