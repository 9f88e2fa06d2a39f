export { crossEntropyLoss } from './crossEntropy';
export { logitNormLoss, logitNorms, logitNormLowerBound, LOGIT_NORM_EPS, DEFAULT_TAU } from './logitNorm';
export { logitPenaltyLoss, DEFAULT_LAMBDA } from './logitPenalty';
export { LOSSES, getLoss } from './registry';
export type { LossOptions, LossFunction, LossEntry } from './registry';
