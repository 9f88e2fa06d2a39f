/**
 * The paper's numbers for LogitNorm, without tfjs, so the extension host and the bench share
 * them with the engine: tau = 0.04 (Section 4) and the taus of Figure 5's sweep.
 */
export const DEFAULT_TAU = 0.04;

/** The temperatures the paper sweeps in Figure 5, smallest first. */
export const PAPER_TAU_SWEEP: readonly number[] = [0.005, 0.01, 0.02, 0.04, 0.05];
