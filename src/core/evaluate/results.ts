/**
 * The evaluation file format, `<run>/evaluations/<eval-id>.json`. Types only (no tfjs), so the
 * extension and the webviews can read results without loading the engine.
 */

export interface HistogramData {
  min: number;
  max: number;
  /** bins + 1 edges */
  edges: number[];
  counts: number[];
}

export interface ScorerOodResult {
  scorer: string;
  oodSet: string;
  /** Fractions in [0, 1]; ID is the positive class, higher score = more ID. */
  fpr95: number;
  auroc: number;
  auprIn: number;
  auprOut: number;
  /** ID test scores and this OOD set's scores, on one shared range. */
  histogram: { id: HistogramData; ood: HistogramData };
  /**
   * The same scorer on the normalised logits f / (tau (||f|| + 1e-7)) instead of the raw ones
   * (`evaluate --normalised-logits`); only for the scorers that read nothing but the logits.
   */
  normalised?: NormalisedLogitMetrics;
}

export interface NormalisedLogitMetrics {
  tau: number;
  fpr95: number;
  auroc: number;
  auprIn: number;
  auprOut: number;
}

export interface ReliabilityBinData {
  lower: number;
  upper: number;
  count: number;
  meanConfidence: number | null;
  accuracy: number | null;
}

export interface CalibrationResult {
  /** ECE with 15 equal-width bins, before and after temperature scaling. */
  ece: number;
  eceTemperatureScaled: number;
  /** Fitted on the held-out validation split by minimising NLL. */
  temperature: number;
  validationCount: number;
  reliability: ReliabilityBinData[];
  reliabilityTemperatureScaled: ReliabilityBinData[];
}

export interface EvaluationResult {
  format: 'ood-lens-evaluation';
  version: 1;
  id: string;
  runId: string;
  /** The run's training config, copied so a report reads one file. */
  train: { dataset: string; arch: string; loss: string; tau: number; lambda: number; seed: number; epochs: number };
  checkpoint: { epoch: number; dir: string };
  createdAt: string;
  backend: { name: string; reason: string };
  idDataset: string;
  idCount: number;
  idAccuracy: number;
  calibration: CalibrationResult;
  /** Mean L2 norm of the raw logits: ID test and each OOD set (the paper's Table 5). */
  logitNorm: { id: number; ood: Record<string, number> };
  oodSets: { name: string; count: number }[];
  scorers: { name: string; settings: Record<string, number | readonly number[]> }[];
  results: ScorerOodResult[];
  seconds: number;
}
