// The main job on built-in data: LeNet on a subset of MNIST, trained with cross-entropy and with
// LogitNorm, a few epochs each, then both runs' accuracy and logit-norm history side by side, and
// the OOD table of both (MSP, ODIN, Energy, GradNorm vs Fashion-MNIST and Gaussian noise).
// Runs land in .oodlens/demo-runs (list them with: node dist/cli.js runs --out .oodlens/demo-runs).
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const out = '.oodlens/demo-runs';
// lr 0.01, not the paper's 0.1: LeNet has no batch norm, and at 0.1 LogitNorm's logit norm runs
// away (the trainer warns). Batch 64 gives the short run more steps.
const common = ['--dataset', 'mnist', '--arch', 'lenet', '--epochs', process.env.DEMO_EPOCHS ?? '4', '--limit', process.env.DEMO_LIMIT ?? '20000',
  '--batch-size', '64', '--lr', '0.01', '--schedule', 'constant', '--seed', '1', '--out', out, '--ood-probe', 'fashion-mnist'];
const losses = [['ce'], ['logitnorm', '--tau', '0.04']];
const runs = [];
for (const [loss, ...extra] of losses) {
  console.log(`\n=== training LeNet on MNIST with ${loss} ===`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['dist/cli.js', 'train', '--loss', loss, ...extra, ...common, '--events', 'jsonl'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 });
  const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  for (const e of events) {
    if (e.type === 'started') console.log(`backend: ${e.backend} (${e.backendReason})`);
    if (e.type === 'epoch') console.log(`epoch ${e.stats.epoch}: test acc ${(100 * e.stats.testAccuracy).toFixed(2)}%  |f| ID ${e.stats.logitNormTest.toFixed(2)}  |f| OOD ${e.stats.logitNormOod.toFixed(2)}  ${e.stats.imagesPerSecond.toFixed(0)} img/s`);
    if (e.type === 'warning') console.log(`warning: ${e.message}`);
    if (e.type === 'error') console.log(`error: ${e.message}`);
  }
  if (r.status !== 0) {
    console.error(`training with ${loss} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
  const started = events.find((e) => e.type === 'started');
  runs.push({ loss, dir: started.runDir, seconds: (Date.now() - t0) / 1000 });
}

console.log('\n=== LeNet on MNIST: cross-entropy vs LogitNorm (mean L2 norm of the raw logits) ===');
console.log('loss       epoch  test acc   |f| ID train  |f| ID test  |f| OOD (fashion-mnist)');
for (const run of runs) {
  const lines = readFileSync(join(run.dir, 'history.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  for (const h of lines) {
    console.log(`${run.loss.padEnd(10)} ${String(h.epoch).padStart(5)}  ${(100 * h.testAccuracy).toFixed(2).padStart(7)}%  ${h.logitNormTrain.toFixed(2).padStart(12)}  ${h.logitNormTest.toFixed(2).padStart(11)}  ${h.logitNormOod.toFixed(2).padStart(11)}`);
  }
}
for (const run of runs) console.log(`${run.loss}: ${run.seconds.toFixed(0)} s, folder ${run.dir}`);

// OOD detection of both final checkpoints, printed as the paper prints it: "CE / LogitNorm".
const scorers = 'msp,odin,energy,gradnorm';
const oodSets = 'fashion-mnist,gaussian';
const evaluations = [];
for (const run of runs) {
  console.log(`\n=== evaluating the ${run.loss} run: ${scorers} vs ${oodSets} ===`);
  const r = spawnSync(process.execPath, ['dist/cli.js', 'evaluate', run.dir, '--ood', oodSets, '--scorers', scorers, '--ood-count', process.env.DEMO_OOD_COUNT ?? '2000',
    '--id-limit', process.env.DEMO_OOD_COUNT ?? '2000', '--json'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    console.error(`evaluating the ${run.loss} run failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
  evaluations.push(JSON.parse(r.stdout));
}
const [ce, ln] = evaluations;
const pct = (v) => (100 * v).toFixed(2);
console.log('\n=== OOD detection, MNIST (ID) on LeNet: cross-entropy / LogitNorm (all values %) ===');
console.log(`${'scorer'.padEnd(9)} ${'OOD set'.padEnd(14)} ${'FPR95 (lower better)'.padStart(22)} ${'AUROC'.padStart(16)} ${'AUPR-In'.padStart(16)}`);
for (const a of ce.results) {
  const b = ln.results.find((x) => x.scorer === a.scorer && x.oodSet === a.oodSet);
  if (!b) continue;
  const cell = (k) => `${pct(a[k])} / ${pct(b[k])}`;
  console.log(`${a.scorer.padEnd(9)} ${a.oodSet.padEnd(14)} ${cell('fpr95').padStart(22)} ${cell('auroc').padStart(16)} ${cell('auprIn').padStart(16)}`);
}
console.log(`ID accuracy ${pct(ce.idAccuracy)} / ${pct(ln.idAccuracy)};  ECE ${pct(ce.calibration.ece)} / ${pct(ln.calibration.ece)};  ECE after temperature scaling ${pct(ce.calibration.eceTemperatureScaled)} / ${pct(ln.calibration.eceTemperatureScaled)}`);
console.log(`mean logit norm ID ${ce.logitNorm.id.toFixed(2)} / ${ln.logitNorm.id.toFixed(2)};  ` + Object.keys(ce.logitNorm.ood).map((k) => `${k} ${ce.logitNorm.ood[k].toFixed(2)} / ${ln.logitNorm.ood[k].toFixed(2)}`).join(';  '));
if (existsSync('dist/cli.js')) console.log(`\nlist the runs: node dist/cli.js runs --out ${out}`);
