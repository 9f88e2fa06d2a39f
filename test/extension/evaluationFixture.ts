// Evaluation files written by hand for the extension's tests: every number is chosen, so what
// the extension shows of them can be worked out on paper.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EvaluationResult, ScorerOodResult } from '../../src/core/evaluate/results';

const histogram = { min: 0, max: 1, edges: [0, 0.5, 1], counts: [1, 3] };

/** One scorer x OOD set row with the given fractions. */
export function resultRow(scorer: string, oodSet: string, fpr95: number, auroc: number, auprIn: number, auprOut: number): ScorerOodResult {
  return { scorer, oodSet, fpr95, auroc, auprIn, auprOut, histogram: { id: histogram, ood: histogram } };
}

export interface EvaluationFacts {
  runId: string;
  loss?: string;
  tau?: number;
  epoch?: number;
  createdAt?: string;
  idAccuracy: number;
  ece: number;
  eceTemperatureScaled: number;
  results: ScorerOodResult[];
}

export function evaluationResult(facts: EvaluationFacts): EvaluationResult {
  const epoch = facts.epoch ?? 1;
  const oodSets = [...new Set(facts.results.map((row) => row.oodSet))];
  const scorers = [...new Set(facts.results.map((row) => row.scorer))];
  return {
    format: 'ood-lens-evaluation', version: 1, id: `epoch-${epoch}-${facts.runId}`, runId: facts.runId,
    train: { dataset: 'mnist', arch: 'mlp', loss: facts.loss ?? 'logitnorm', tau: facts.tau ?? 0.04, lambda: 0.05, seed: 1, epochs: epoch },
    checkpoint: { epoch, dir: `/runs/${facts.runId}/checkpoints/epoch-${epoch}` }, createdAt: facts.createdAt ?? '2026-11-27T01:27:12.448Z',
    backend: { name: 'wasm', reason: 'test' }, idDataset: 'mnist', idCount: 500, idAccuracy: facts.idAccuracy,
    calibration: { ece: facts.ece, eceTemperatureScaled: facts.eceTemperatureScaled, temperature: 1.5, validationCount: 100, reliability: [], reliabilityTemperatureScaled: [] },
    logitNorm: { id: 12, ood: Object.fromEntries(oodSets.map((set) => [set, 3])) },
    oodSets: oodSets.map((name) => ({ name, count: 1000 })), scorers: scorers.map((name) => ({ name, settings: {} })),
    results: facts.results, seconds: 1,
  };
}

/** Writes `<runsRoot>/<runId>/evaluations/<id>.json` and returns its path. */
export async function writeEvaluation(runsRoot: string, result: EvaluationResult): Promise<string> {
  const file = path.join(runsRoot, result.runId, 'evaluations', `${result.id}.json`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(result, null, 2));
  return file;
}
