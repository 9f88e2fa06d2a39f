import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

// The built CLI on the PyTorch export of test/fixtures/onnx (see test/core/imported/pytorchReference.test.ts).
const cli = path.resolve('dist/cli.js');
const fixture = path.resolve('test/fixtures/onnx/cifar10-small');
const model = path.join(fixture, 'model.onnx');
function ood(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

before(() => {
  assert.ok(fs.existsSync(cli), 'dist/cli.js is built (npm run build)');
});

test('ood-lens evaluate MODEL.onnx: errors are one line, exit 2, and write nothing', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-onnx-cli-'));
  const junk = path.join(out, 'junk.onnx');
  fs.writeFileSync(junk, 'not a model at all');
  const runs = path.join(out, 'runs');
  const cases: [string[], RegExp][] = [
    [['evaluate', model, '--out', runs], /needs --dataset NAME_OR_FOLDER/],
    [['evaluate', model, '--dataset', path.join(fixture, 'id'), '--out', runs], /no normalisation for .*expected --preset/],
    [['evaluate', junk, '--dataset', path.join(fixture, 'id'), '--preset', 'cifar10', '--out', runs], /junk\.onnx is not an ONNX model/],
    [['evaluate', model, '--dataset', path.join(fixture, 'id'), '--preset', 'cifar10', '--layout', 'nhwc', '--out', runs], /32 in the channel position of NHWC/],
    [['evaluate', model, '--dataset', path.join(fixture, 'id'), '--preset', 'cifar10', '--features', 'nope', '--out', runs], /no tensor 'nope'/],
    [['evaluate', model, '--dataset', path.join(fixture, 'id'), '--mean', 'a,b', '--out', runs], /--mean 'a,b' is not a list of numbers/],
    [['evaluate', path.join(out, 'missing.onnx'), '--dataset', path.join(fixture, 'id'), '--preset', 'cifar10', '--out', runs], /no file .*missing\.onnx/],
    [['evaluate', 'some-run', '--preset', 'cifar10', '--out', runs], /--preset is for ONNX models/],
  ];
  for (const [args, pattern] of cases) {
    const r = ood(args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, stderr ${r.stderr}`);
    const line = r.stderr.split('\n').find((l) => l.startsWith('ood-lens:')) ?? '';
    assert.match(line, pattern, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.equal(fs.existsSync(runs), false, 'no runs folder');
  fs.rmSync(out, { recursive: true, force: true });
});

test('ood-lens evaluate MODEL.onnx --json, then `runs` and `report` list the imported run like a trained one', () => {
  const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'oodlens-onnx-runs-'));
  try {
    const r = ood(['evaluate', model, '--dataset', path.join(fixture, 'id'), '--preset', 'cifar10', '--ood', 'uniform,gaussian', '--ood-count', '30', '--scorers', 'msp,odin,energy', '--json', '--out', runs]);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.idCount, 50);
    assert.deepEqual([...new Set(result.results.map((x: { scorer: string }) => x.scorer))], ['msp', 'odin-t', 'energy']);
    assert.equal(result.imported.preprocessing.layout, 'nchw');
    assert.match(r.stderr, /odin runs as odin-t/);
    const listed = ood(['runs', '--json', '--out', runs]);
    assert.equal(listed.status, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].arch, 'model.onnx');
    assert.equal(rows[0].status, 'done');
    const report = ood(['report', '--format', 'md', '--out', runs]);
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stdout, /model\.onnx imported/);
  } finally {
    fs.rmSync(runs, { recursive: true, force: true });
  }
});
