/**
 * The data of a run: its ID data set split into train (limited), a held-out validation part and
 * test (limited), the same way for training and for evaluating its checkpoints, and the OOD probe
 * set whose logit norm training records every epoch. No training code: evaluation uses it too.
 */
import { deriveSeed } from '../data/rng';
import { limitSet, limitTestSet, loadDataset, loadOodSet, splitValidation } from '../data';
import type { DataOptions, ImageSet, LabeledDataset } from '../data/types';
import type { TrainConfig } from './config';

/** The ID data of a run: train (limited), held-out validation, test (limited). */
export interface IdData {
  dataset: LabeledDataset;
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
}

export interface PreparedData extends IdData {
  probe: ImageSet;
}

function dataOptionsOf(config: TrainConfig, opts: { cacheDir?: string; log?: (m: string) => void }): DataOptions {
  return { dataDir: config.dataDir, cacheDir: opts.cacheDir, seed: config.seed, log: opts.log };
}

/** Loads the ID data and holds out the validation split (the same split for training and evaluation). */
export async function prepareIdData(config: TrainConfig, opts: { cacheDir?: string; log?: (m: string) => void }): Promise<IdData> {
  const dataset = await loadDataset(config.dataset, dataOptionsOf(config, opts));
  const split = splitValidation(dataset.train, config.valFraction, deriveSeed(config.seed, 'validation'));
  const train = config.limit ? limitSet(split.train, config.limit, deriveSeed(config.seed, 'limit-train')) : split.train;
  const test = config.limit ? limitTestSet(dataset.test, config.limit, config.seed) : dataset.test;
  return { dataset, train, validation: split.val, test };
}

/** The ID data plus the OOD probe set whose logit norm training records every epoch. */
export async function prepareData(config: TrainConfig, opts: { cacheDir?: string; log?: (m: string) => void }): Promise<PreparedData> {
  const id = await prepareIdData(config, opts);
  const shape: [number, number, number] = [id.dataset.train.height, id.dataset.train.width, id.dataset.train.channels];
  const probe = await loadOodSet(config.oodProbe, { ...dataOptionsOf(config, opts), shape, count: config.probeSize, seed: deriveSeed(config.seed, 'ood-probe') });
  return { ...id, probe };
}

