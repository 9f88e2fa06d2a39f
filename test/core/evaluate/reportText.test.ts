// The report as text, tfjs-free (the CLI's report and the extension's Export Report): from run
// folders written by hand, with numbers chosen so the rows can be read off on paper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserInputError } from '../../../src/core/errors';
import { configurationName } from '../../../src/core/evaluate/report';
import { reportText } from '../../../src/core/evaluate/reportText';
import { evaluationResult, resultRow, writeEvaluation } from '../../extension/evaluationFixture';

async function runsFolder(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'oodlens-report-'));
  for (const [runId, fpr95] of [['run-ce', 0.5], ['run-ln', 0.125]] as const) {
    await fs.mkdir(path.join(root, runId), { recursive: true });
    const record = { id: runId, createdAt: '2026-12-02T00:00:00Z', updatedAt: '2026-12-02T00:00:00Z', status: 'done', config: { dataset: 'mnist', arch: 'lenet', loss: runId === 'run-ce' ? 'ce' : 'logitnorm', tau: 0.04, seed: 1 }, epochsDone: 1, warnings: [] };
    await fs.writeFile(path.join(root, runId, 'run.json'), JSON.stringify(record));
    await writeEvaluation(root, evaluationResult({ runId, loss: record.config.loss, idAccuracy: 0.98, ece: 0.02, eceTemperatureScaled: 0.01, results: [resultRow('msp', 'gaussian', fpr95, 0.9, 0.95, 0.85)] }));
  }
  return root;
}

test('reportText makes the Markdown tables of every evaluated run, or of the runs named', async () => {
  const root = await runsFolder();
  const all = reportText({ runsRoot: root, format: 'md' });
  assert.match(all, /### Table 1: OOD detection per OOD set, scorer msp/);
  assert.ok(all.includes('50.00') && all.includes('12.50'), 'both runs\' FPR95 (50% and 12.5%) are in the table');
  const one = reportText({ runsRoot: root, runs: ['run-ln'], format: 'md' });
  assert.ok(one.includes('12.50') && !one.includes('50.00'), 'only the run named');
  const json = JSON.parse(reportText({ runsRoot: root, runs: [path.join(root, 'run-ce')], format: 'json' })) as Array<{ id: string }>;
  assert.ok(json.some((table) => table.id === 'table1'));
  assert.match(reportText({ runsRoot: root, format: 'csv' }), /^table,/m);
});

test('reportText refuses, naming the input: an unknown format, a run that does not exist, runs without evaluations', async () => {
  const root = await runsFolder();
  assert.throws(() => reportText({ runsRoot: root, format: 'pdf' as never }), (error: unknown) => error instanceof UserInputError && /--format 'pdf' is unknown: expected md, csv or json/.test(error.message));
  assert.throws(() => reportText({ runsRoot: root, runs: ['no-such-run'], format: 'md' }), (error: unknown) => error instanceof UserInputError && /no run 'no-such-run'/.test(error.message));
  const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'oodlens-report-empty-'));
  assert.throws(() => reportText({ runsRoot: empty, format: 'md' }), (error: unknown) => error instanceof UserInputError && /no evaluations found in 0 run\(s\)/.test(error.message));
});

test('a configuration is named by data set, architecture, loss and its parameter; a folder data set by its last part', () => {
  const base = evaluationResult({ runId: 'r1', idAccuracy: 0.9, ece: 0.1, eceTemperatureScaled: 0.05, results: [] });
  assert.equal(configurationName(base), 'mnist mlp logitnorm (tau 0.04)');
  const folder = (dataset: string) => configurationName({ ...base, train: { ...base.train, dataset, arch: 'wrn-40-2', loss: 'ce' } });
  assert.equal(folder('/work/shared/data/cifar10-subset'), 'cifar10-subset wrn-40-2 ce');
  assert.equal(folder('C:\\data\\cifar10-subset\\'), 'cifar10-subset wrn-40-2 ce');
  assert.equal(folder('cifar10'), 'cifar10 wrn-40-2 ce');
});
