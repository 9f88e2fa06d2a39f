import { initBackend } from '../../core/backend';
import { defaultCacheDir } from '../../core/data/cacheDir';
import { UserInputError } from '../../core/errors';
import { EvaluationCancelled } from '../../core/evaluate/evaluate';
import { evaluationTable, renderText } from '../../core/evaluate/report';
import { evaluateImportedModel } from '../../core/imported/evaluateImported';
import { parseNumberList, parseSize, type PreprocessingSpec } from '../../core/imported/preprocessing';
import { numberOption, stringOption, type OptionSpec, type OptionValues as Values } from '../args';
import type { Output } from '../output';
import { backendOption, runsRootOption, stringOptions, type EvaluationSettings } from '../sharedOptions';
import { onStopSignal } from '../signals';

/** Flags only an ONNX model takes. */
export const IMPORTED_OPTIONS: OptionSpec = stringOptions('dataset', 'preset', 'mean', 'std', 'layout', 'size', 'channels', 'features', 'seed', 'batch-size', 'threads');

function positiveInteger(values: Values, name: string): number | undefined {
  if (values[name] === undefined) return undefined;
  const n = numberOption(values, name, 0);
  if (!Number.isInteger(n) || n < 1) throw new UserInputError(`--${name} ${String(values[name])} is not a whole number >= 1`, String(values[name]), 'an integer >= 1');
  return n;
}

/** The preprocessing the flags give (each optional; the rest comes from the model, the sidecar or the preset). */
export function preprocessingFlags(values: Values): PreprocessingSpec {
  const mean = stringOption(values, 'mean');
  const std = stringOption(values, 'std');
  const size = stringOption(values, 'size');
  const channels = positiveInteger(values, 'channels');
  return {
    preset: stringOption(values, 'preset'),
    layout: stringOption(values, 'layout'),
    size: size === undefined ? undefined : parseSize(size),
    channels,
    mean: mean === undefined ? undefined : parseNumberList(mean, 'mean'),
    std: std === undefined ? undefined : parseNumberList(std, 'std'),
  };
}

/** `ood-lens evaluate MODEL.onnx --dataset ...`: an imported model's evaluation into a run of kind 'imported'. */
export async function evaluateImportedCommand(modelFile: string, values: Values, out: Output, settings: EvaluationSettings): Promise<number> {
  const dataset = stringOption(values, 'dataset');
  if (dataset === undefined) throw new UserInputError(`evaluating ${modelFile} needs --dataset NAME_OR_FOLDER: the in-distribution data the model classifies`, modelFile, '--dataset');
  const preprocessing = preprocessingFlags(values);
  const backend = await initBackend(backendOption(values));
  const idLimit = positiveInteger(values, 'id-limit');
  const stop = onStopSignal();
  try {
    const { result, file, run } = await evaluateImportedModel({
      ...settings,
      modelFile,
      dataset,
      dataDir: stringOption(values, 'data-dir'),
      preprocessing,
      features: stringOption(values, 'features'),
      idLimit,
      batchSize: positiveInteger(values, 'batch-size'),
      threads: positiveInteger(values, 'threads'),
      seed: numberOption(values, 'seed', 1),
      cacheDir: stringOption(values, 'cache-dir') ?? defaultCacheDir(),
      runsRoot: runsRootOption(values),
      backend: { name: backend.name, reason: backend.reason },
      hooks: { onEvent: (e) => out.emit(e), shouldStop: stop.requested, log: (m) => out.log(m) },
    });
    if (values.json) {
      if (!out.jsonEvents) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    const c = result.calibration;
    const info = result.imported;
    const pre = info?.preprocessing;
    out.info(
      `\n${run.id} (imported ${result.train.arch}, sha256 ${info?.model.sha256.slice(0, 12)}): ID accuracy ${(100 * result.idAccuracy).toFixed(2)}% on ${result.idCount} ${result.idDataset} test images\n` +
        (pre ? `input ${pre.layout.toUpperCase()} ${pre.height}x${pre.width}x${pre.channels}, mean ${pre.mean.join(',')} std ${pre.std.join(',')}; features ${info?.features ?? 'none'}, final layer ${info?.finalLayer ?? 'none'}\n` : '') +
        `ECE ${(100 * c.ece).toFixed(2)}%, with temperature scaling (T = ${c.temperature.toFixed(3)}, fitted on the ID test images) ${(100 * c.eceTemperatureScaled).toFixed(2)}%\n` +
        `mean logit norm: ID ${result.logitNorm.id.toFixed(2)}; ${Object.entries(result.logitNorm.ood).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('; ')}\n`,
    );
    out.info(renderText(evaluationTable(result)) + '\n');
    for (const s of info?.skipped ?? []) out.info(`${s.scorer}: not run, ${s.reason}`);
    for (const note of info?.notes ?? []) if (note.includes('odin-t')) out.info(note);
    out.info(`written to ${file} (${result.seconds.toFixed(1)} s)`);
    return 0;
  } catch (e) {
    if (e instanceof EvaluationCancelled) {
      const runId = (e as { runId?: string }).runId ?? '';
      out.emit({ type: 'finished', job: 'evaluate', runId, status: 'cancelled' });
      return 130;
    }
    throw e;
  } finally {
    stop.dispose();
  }
}
