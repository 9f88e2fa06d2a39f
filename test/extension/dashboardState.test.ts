import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dashboardStateOfRun } from '../../src/extension/dashboardState';

test('the dashboard shows the engine\'s warnings (a runaway logit norm) at the top of its facts', async () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-dash-'));
  const warning = 'logit-norm-runaway: the mean logit norm of ID test data is 3.1e+07 at epoch 1';
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ id: 'r1', status: 'done', config: { arch: 'lenet', lr: 0.1 }, warnings: [warning], bestTestAccuracy: 0.11 }));
  const state = await dashboardStateOfRun(runDir);
  assert.deepEqual(state.facts[0], { key: 'warning', value: warning });
  assert.equal(state.facts.filter((fact) => fact.key === 'warning').length, 1);
  // A run without warnings shows none.
  fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ id: 'r1', status: 'done', config: { arch: 'lenet' } }));
  assert.ok(!(await dashboardStateOfRun(runDir)).facts.some((fact) => fact.key === 'warning'));
});
