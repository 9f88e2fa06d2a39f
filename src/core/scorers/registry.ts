import { lookup } from '../errors';
import { ENERGY } from './energy';
import { GRAD_NORM } from './gradNorm';
import { KNN } from './knn';
import { MAHALANOBIS } from './mahalanobis';
import { MAX_LOGIT } from './maxLogit';
import { MSP } from './msp';
import { ODIN } from './odin';
import { REACT } from './react';
import type { Scorer, ScorerFactory, ScorerOptions } from './types';

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

/** Builds a scorer by name; options it does not read, or bad values, are UserInputErrors. */
export function createScorer(name: string, options: ScorerOptions = {}): Scorer {
  return getScorer(name).create(options);
}
