/**
 * `npm run bench -- replicate [--quick]`: the paper's headline experiments at the scale of this
 * machine. For each pairing, trains CE, LogitNorm (tau 0.04 and the tau chosen on Gaussian noise)
 * and LogitPenalty over several seeds, evaluates every final checkpoint with every scorer, and
 * writes Tables 1, 2, 4, 5, the tau sweep (Figure 5), logit-norm curves (Figure 1) and MSP
 * histograms (Figure 4) as SVG to docs/results.md, with the exact command and settings used.
 *
 * Runs already finished with the same config are reused, so an interrupted replicate continues.
 * The tau sweep is the engine's (core/sweep/tauSweep.ts, as `ood-lens sweep --reuse
 * --select-on gaussian` runs it), and every other run is trained and evaluated by the same
 * trainAndEvaluate.
 *
 * Each pairing gets its architecture's recipe (core/train/recipe.ts) unless --lr / --schedule are
 * given, and owns its own section of the output file (replicate-a, -b, -c), so one pairing can be
 * rerun, or run at another scale, without losing the others. --losses (default
 * ce,logitnorm,logitpenalty) and --scorers (default all eight) trim a run that the machine's time
 * cannot afford in full; the section names what was run.
 */
import type { AugmentMode } from '../core/data/augmentation';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../core/backend';
import { defaultCacheDir } from '../core/data/cacheDir';
import { UserInputError } from '../core/errors';
import { checkScorerNames } from '../core/evaluate/evaluate';
import { buildReport, configurationName, renderMarkdown } from '../core/evaluate/report';
import type { EvaluationResult } from '../core/evaluate/results';
import { RunStore, type Run } from '../core/runs/runStore';
import { writeFileAtomic } from '../core/runs/atomicWrite';
import { DEFAULT_SWEEP_TAUS, parseTauList } from '../core/sweep/sweepRecord';
import { runTauSweep, trainAndEvaluate, type EngineContext, type EvaluationSpec } from '../core/sweep/tauSweep';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../core/train/config';
import { defaultRecipe } from '../core/train/recipe';
import { numberOption, parseCommandArgs, stringOption, type OptionValues } from '../cli/args';
import { backendOption, booleanOptions, stringOptions } from '../cli/sharedOptions';
import { histogramChart, lineChart, type Series } from './svg';
import { writeSection } from './markdownSections';

const REPLICATE_USAGE = `usage: npm run bench -- replicate [--quick] [--pairings a,b[,c]] [--seeds 1,2,3] [--epochs 15] [--limit N]
         [--taus ${DEFAULT_SWEEP_TAUS} | one tau, no sweep] [--ood-count 10000] [--id-limit N] [--schedule (the recipe's)] [--lr LR]
         [--losses ce,logitnorm,logitpenalty] [--scorers msp,odin,...]
         [--backend auto|...] [--runs-dir DIR] [--out docs/results.md] [--cifar-dir DIR --cifar-arch wrn-40-2 --ood-dirs DIR,...]`;

interface Pairing {
  key: string;
  title: string;
  dataset: string;
  arch: string;
  oodSets: string[];
  probe: string;
  note: string;
  dataDir?: string;
  /** Absent: the data set's default (auto). */
  augment?: AugmentMode;
}

const SCORERS = ['msp', 'odin', 'energy', 'gradnorm', 'maxlogit', 'react', 'knn', 'mahalanobis'];

/** The paper's Energy temperature for LogitNorm models (T = 0.1 on CIFAR-10); 1 for the other losses. */
function scorerOptionsFor(config: TrainConfig): Record<string, Record<string, number>> {
  return config.loss === 'logitnorm' ? { energy: { temperature: 0.1 } } : {};
}

function pairings(values: OptionValues): Pairing[] {
  const list: Pairing[] = [
    { key: 'a', title: 'Fashion-MNIST (ID) on the small CNN with batch norm before the logits', dataset: 'fashion-mnist', arch: 'cnn-bn', oodSets: ['mnist', 'gaussian', 'uniform'], probe: 'mnist', note: "the paper's recipe (lr 0.1, Nesterov, cosine): with batch norm before the logits LogitNorm trains at 0.1 (on the small `cnn`, whose fc1 sees 3,136 un-normalised features, its logit norm blows up at 0.1, in PyTorch too). PyTorch on this network, 15 epochs of the full training set: MSP FPR95 averaged over MNIST / Gaussian / uniform 58.7 (CE) vs 24.6 (LogitNorm, tau 0.04); on a subset, the same images through scripts/torch_replicate.py (docs/torch-reference/)" },
    { key: 'b', title: 'MNIST (ID) on LeNet-5', dataset: 'mnist', arch: 'lenet', oodSets: ['fashion-mnist', 'gaussian', 'uniform'], probe: 'fashion-mnist', note: 'not the paper\'s 0.1: LeNet has no batch norm and at 0.1 LogitNorm\'s logit norm runs away and accuracy collapses (the trainer warns)' },
  ];
  const cifarDir = stringOption(values, 'cifar-dir');
  if (cifarDir) {
    const oodDirs = stringOption(values, 'ood-dirs', '').split(',').filter(Boolean);
    const arch = stringOption(values, 'cifar-arch', 'wrn-40-2');
    // The official binary batches load as `cifar10`; any other folder (e.g. a JPEG export with one
    // sub-folder per class, as /work/shared/data/cifar10-subset) as an image folder.
    const binary = ['', 'cifar-10-batches-bin'].some((sub) => fs.existsSync(path.join(cifarDir, sub, 'data_batch_1.bin')));
    // Folders get no augmentation by default (a mirror may not keep a folder's class); CIFAR-10's
    // classes survive a mirror, so this pairing asks for the paper's crop and flip on a folder too.
    const note = binary
      ? "the paper's recipe, with its crop-and-flip augmentation"
      : "the paper's recipe with its crop-and-flip augmentation (asked for with --augment crop-flip: image folders get none by default); an image folder, so normalised with its own training images' mean and std";
    list.push({ key: 'c', title: `CIFAR-10 (ID) on ${arch}`, dataset: binary ? 'cifar10' : path.resolve(cifarDir), arch, oodSets: [...oodDirs, 'mnist', 'fashion-mnist', 'gaussian', 'uniform'], probe: oodDirs[0] ?? 'mnist', note, dataDir: binary ? cifarDir : undefined, augment: 'crop-flip' });
  }
  const wanted = stringOption(values, 'pairings', list.map((p) => p.key).join(',')).split(',');
  return list.filter((p) => wanted.includes(p.key));
}

export async function replicate(argv: string[]): Promise<void> {
  const options = { ...booleanOptions('quick'), ...stringOptions('pairings', 'seeds', 'epochs', 'limit', 'taus', 'ood-count', 'id-limit', 'schedule', 'lr', 'losses', 'scorers', 'backend', 'runs-dir', 'out', 'cifar-dir', 'cifar-arch', 'ood-dirs') };
  const { values } = parseCommandArgs(argv, options, REPLICATE_USAGE);
  const quick = values.quick === true;
  const seeds = stringOption(values, 'seeds', quick ? '1' : '1,2,3').split(',').map(Number);
  const epochs = numberOption(values, 'epochs', quick ? 2 : 15);
  const limit = values.limit !== undefined ? numberOption(values, 'limit', 0) : quick ? 3000 : undefined;
  const tausText = stringOption(values, 'taus', quick ? '0.01,0.04' : DEFAULT_SWEEP_TAUS);
  // One tau: no sweep (where the machine's time affords no extra LogitNorm runs), that tau is used.
  const singleTau = Number(tausText.trim());
  const tauList = tausText.trim() !== '' && singleTau > 0 ? { taus: [singleTau] } : parseTauList(tausText);
  if ('error' in tauList) throw new UserInputError(`--taus: ${tauList.error}`, String(values.taus), 'numbers > 0 separated by commas');
  const taus = tauList.taus;
  const oodCount = numberOption(values, 'ood-count', quick ? 1000 : 10000);
  const idLimit = values['id-limit'] !== undefined ? numberOption(values, 'id-limit', 0) : quick ? 1000 : undefined;
  // Every loss of a pairing gets the same recipe: its architecture's (core/train/recipe.ts) unless --lr / --schedule say otherwise.
  const scheduleOverride = stringOption(values, 'schedule');
  const losses = stringOption(values, 'losses', 'ce,logitnorm,logitpenalty').split(',');
  const unknownLoss = losses.find((l) => !['ce', 'logitnorm', 'logitpenalty'].includes(l));
  if (unknownLoss !== undefined) throw new UserInputError(`--losses: unknown '${unknownLoss}', expected some of ce, logitnorm, logitpenalty`, unknownLoss, 'ce, logitnorm, logitpenalty');
  const scorers = stringOption(values, 'scorers', SCORERS.join(',')).split(',');
  checkScorerNames(scorers);
  const lrOverride = values.lr !== undefined ? numberOption(values, 'lr', 0) : undefined;
  const runsDir = path.resolve(stringOption(values, 'runs-dir', quick ? '.oodlens/replicate-quick' : '.oodlens/replicate'));
  const outFile = path.resolve(stringOption(values, 'out', quick ? 'artifacts/replicate-quick/results.md' : 'docs/results.md'));
  const backend = await initBackend(backendOption(values));
  const store = new RunStore(runsDir);
  const cacheDir = defaultCacheDir();
  const command = `npm run bench -- replicate ${argv.join(' ')}`.trim();
  const log = (m: string) => process.stderr.write(m + '\n');
  log(`replicate on ${backend.name} (${backend.reason}); runs in ${runsDir}`);

  const engine: EngineContext = {
    cacheDir,
    backend: { name: backend.name, reason: backend.reason },
    hooks: { onEvent: (e) => e.type === 'epoch' && log(`  epoch ${e.stats.epoch}: test acc ${(100 * e.stats.testAccuracy).toFixed(2)}%, |f| ID ${e.stats.logitNormTest.toFixed(2)}, OOD ${e.stats.logitNormOod.toFixed(2)}`), log },
  };
  const evaluationSpec = (config: TrainConfig, scorers: string[], oodSets: string[]): EvaluationSpec => ({ oodSets, scorers, scorerOptions: scorerOptionsFor(config), oodCount, idLimit, fitSamples: quick ? 1000 : 5000 });

  /** One configuration: a finished run with this config is reused, an unfinished one resumed; its matching evaluation reused. */
  async function runOnce(config: TrainConfig, scorers: string[], oodSets: string[]): Promise<{ run: Run<TrainConfig>; evaluation: EvaluationResult }> {
    const outcome = await trainAndEvaluate(store, config, evaluationSpec(config, scorers, oodSets), { ...engine, reuse: true, onRun: (run) => log(`run ${run.id}`) });
    if (outcome.status !== 'done') throw new Error(`${outcome.run?.id ?? 'a run'} ${outcome.status}${outcome.status === 'failed' ? `: ${outcome.error}` : ''}`);
    return { run: outcome.run, evaluation: outcome.evaluation.result };
  }

  // Each pairing owns a section of the file (replicate-a, ...), so pairings run with different
  // settings (a subset for one, full data for another) or at different times keep each other's tables.
  const header = (): string[] => [
    `Made by \`${command}\` on ${new Date().toISOString()}, backend ${backend.name} (${backend.reason}).`,
    `Settings: epochs ${epochs}, seeds ${seeds.join(', ')}, ${limit ? `--limit ${limit}` : 'full training sets'}, losses ${losses.join(', ')}, SGD momentum 0.9, weight decay 5e-4, batch 128,`,
    `${taus.length > 1 ? `tau sweep ${taus.join(', ')}` : `tau ${taus[0]} (no sweep)`}, ${oodCount} images per OOD set, ${idLimit ?? 'all'} ID test images, scorers ${scorers.join(', ')} (Energy at T = 0.1 for LogitNorm models, as the paper sets it, T = 1 otherwise).`,
    '',
  ];
  const figuresDir = path.join(path.dirname(outFile), 'figures');
  fs.mkdirSync(figuresDir, { recursive: true });
  const figure = (name: string, svg: string, alt: string) => {
    writeFileAtomic(path.join(figuresDir, name), svg);
    return `![${alt}](${path.relative(path.dirname(outFile), path.join(figuresDir, name))})`;
  };

  for (const p of pairings(values)) {
    log(`\n== pairing ${p.key}: ${p.title}`);
    const docs: string[] = [];
    const recipe = defaultRecipe(p.arch, epochs);
    const schedule = scheduleOverride ?? recipe.schedule;
    const base: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, dataset: p.dataset, arch: p.arch, lr: lrOverride ?? recipe.lr, nesterov: recipe.nesterov, epochs, schedule, limit, oodProbe: p.probe, backend: backend.name, dataDir: p.dataDir, augment: p.augment ?? 'auto' };
    // Figure 5: the engine's tau sweep, one LogitNorm run per tau (first seed). The tau with the
    // lowest MSP FPR95 on Gaussian noise is chosen; where noise is separated perfectly (FPR95 0
    // for several taus, as on MNIST) the higher AUROC on it decides, then the smaller tau.
    let chosen = taus[0];
    let sweep: { tau: number; gaussianFpr: number; gaussianAuroc: number; averageFpr: number }[] = [];
    if (taus.length > 1) {
      const tauSweep = await runTauSweep({
        ...engine,
        store,
        taus,
        configFor: (tau) => ({ ...base, loss: 'logitnorm', tau, seed: seeds[0] }),
        evaluation: evaluationSpec({ ...base, loss: 'logitnorm' }, ['msp'], p.oodSets),
        scorer: 'msp',
        selectOn: 'gaussian',
        reuse: true,
      });
      const failed = tauSweep.record.points.find((point) => point.status !== 'done');
      if (failed || tauSweep.record.bestTau === undefined) throw new Error(`the tau sweep of pairing ${p.key} did not finish: tau ${failed?.tau} ${failed?.status}${failed?.error ? `: ${failed.error}` : ''} (${tauSweep.sweepFile})`);
      chosen = tauSweep.record.bestTau;
      sweep = tauSweep.record.points.map((point) => ({
        tau: point.tau,
        gaussianFpr: point.metrics?.perOodSet.gaussian?.fpr95 ?? NaN,
        gaussianAuroc: point.metrics?.perOodSet.gaussian?.auroc ?? NaN,
        averageFpr: point.metrics?.average.fpr95 ?? NaN,
      }));
    }
    const configs: TrainConfig[] = [];
    for (const seed of seeds) {
      if (losses.includes('ce')) configs.push({ ...base, loss: 'ce', seed });
      if (losses.includes('logitnorm')) configs.push({ ...base, loss: 'logitnorm', tau: 0.04, seed });
      if (losses.includes('logitnorm') && chosen !== 0.04) configs.push({ ...base, loss: 'logitnorm', tau: chosen, seed });
      if (losses.includes('logitpenalty')) configs.push({ ...base, loss: 'logitpenalty', lambda: 0.05, seed });
    }
    const results: { run: Run<TrainConfig>; evaluation: EvaluationResult }[] = [];
    for (const c of configs) results.push(await runOnce(c, scorers, p.oodSets));

    docs.push(`### Pairing (${p.key}): ${p.title}`, '', ...header(), `Architecture ${p.arch}, lr ${base.lr}${base.nesterov ? ' with Nesterov momentum' : ''}${lrOverride === undefined ? ` (${p.note})` : ' (given with --lr)'}, schedule ${schedule}${scheduleOverride === undefined ? ' (the recipe of core/train/recipe.ts)' : ' (given with --schedule)'}; OOD sets ${p.oodSets.join(', ')}; logit norm probe ${p.probe}. ${sweep.length ? `Tau chosen on Gaussian noise: **${chosen}**` : `Tau **${chosen}** (one tau given: no sweep)`}.`, '');
    docs.push(renderMarkdown(buildReport(results.map((r) => r.evaluation))));
    if (sweep.length) {
      docs.push('#### Figure 5: MSP FPR95 against tau (LogitNorm, seed ' + seeds[0] + ')', '');
      docs.push(figure(`${p.key}-tau-sweep.svg`, lineChart(`(${p.key}) FPR95 vs tau`, 'tau', 'FPR95 (%)', [
        { label: 'Gaussian noise', points: sweep.map((s) => [s.tau, 100 * s.gaussianFpr]) },
        { label: 'average of OOD sets', points: sweep.map((s) => [s.tau, 100 * s.averageFpr]), dashed: true },
      ]), 'FPR95 against tau'), '');
      docs.push('| tau | FPR95 Gaussian (%) | AUROC Gaussian (%) | FPR95 average (%) |', '|---|---|---|---|', ...sweep.map((s) => `| ${s.tau} | ${(100 * s.gaussianFpr).toFixed(2)} | ${(100 * s.gaussianAuroc).toFixed(2)} | ${(100 * s.averageFpr).toFixed(2)} |`), '');
    }
    // Figure 1: logit norms per epoch, first seed, CE vs LogitNorm (tau 0.04).
    const first = results.filter((r) => r.run.record.config.seed === seeds[0]);
    const series: Series[] = [];
    for (const r of first) {
      const h = r.run.history();
      const name = configurationName(r.evaluation).split(` ${p.arch} `).slice(1).join(` ${p.arch} `);
      series.push({ label: `${name} ID`, points: h.map((x) => [x.epoch, x.logitNormTest]) });
      series.push({ label: `${name} OOD`, points: h.map((x) => [x.epoch, x.logitNormOod]), dashed: true });
    }
    docs.push('#### Figure 1: mean logit norm per epoch (ID test solid, OOD probe dashed)', '');
    docs.push(figure(`${p.key}-logit-norms.svg`, lineChart(`(${p.key}) mean L2 norm of logits`, 'epoch', '||f||', series, { logY: true }), 'logit norms per epoch'), '');
    // Figure 4: MSP histograms, ID vs the first OOD set, CE vs LogitNorm 0.04.
    docs.push(`#### Figure 4: MSP of ID test vs ${p.oodSets[0]}`, '');
    for (const r of first.filter((x) => x.run.record.config.loss === 'ce' || (x.run.record.config.loss === 'logitnorm' && x.run.record.config.tau === 0.04))) {
      const row = r.evaluation.results.find((x) => x.scorer === 'msp' && x.oodSet === p.oodSets[0]);
      if (!row) continue;
      const name = r.run.record.config.loss;
      docs.push(figure(`${p.key}-msp-${name}.svg`, histogramChart(`(${p.key}) ${name}: MSP`, 'max softmax probability', row.histogram.id.edges, [{ label: 'ID test', counts: row.histogram.id.counts }, { label: p.oodSets[0], counts: row.histogram.ood.counts }]), `MSP histogram ${name}`));
    }
    docs.push('');
    // Written after every pairing, so a long replicate that is stopped keeps what it finished.
    writeSection(outFile, `replicate-${p.key}`, docs.join('\n'));
    log(`\nwritten ${outFile}`);
  }
}
