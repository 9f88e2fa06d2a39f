import { lookup } from '../errors';
import { ENERGY } from './energy';
import { GRAD_NORM } from './gradNorm';
import { KNN } from './knn';
import { MAHALANOBIS } from './mahalanobis';
import { MAX_LOGIT } from './maxLogit';
import { MSP } from './msp';
import { ODIN } from './odin';
import { REACT } from './react';
import type { Scorer, ScorerFactory, ScorerOptions, ScorerSetup } from './types';

/** Every scorer by the name the CLI and the settings use. The paper's four come first. */
export const SCORERS: Record<string, ScorerFactory> = {
  msp: MSP,
  odin: ODIN,
  energy: ENERGY,
  gradnorm: GRAD_NORM,
  maxlogit: MAX_LOGIT,
  react: REACT,
  knn: KNN,
  mahalanobis: MAHALANOBIS,
};

/** The registry entry for a name; an unknown name is a UserInputError listing the known ones. */
export function getScorer(name: string): ScorerFactory {
  return lookup(SCORERS, name, 'scorer');
}

/**
 * Builds a scorer by name with the user's options (one it does not read, or a bad value, is a
 * UserInputError) and the evaluation's setup (every scorer gets the same; each reads what it needs).
 */
export function createScorer(name: string, options: ScorerOptions = {}, setup: ScorerSetup = {}): Scorer {
  return getScorer(name).create(options, setup);
}
