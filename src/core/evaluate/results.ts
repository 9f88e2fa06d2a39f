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
  /** Present for an imported (ONNX) model: what was read from it and how, and what could not run. */
  imported?: ImportedModelInfo;
}

export interface ImportedModelInfo {
  model: { file: string; sha256: string; bytes: number; producer: string; opset?: number };
  preprocessing: { layout: string; height: number; width: number; channels: number; mean: number[]; std: number[]; sources: Record<string, string> };
  /** The tensor the features were read from, if any. */
  features?: string;
  /** The final linear layer found in the graph, e.g. "Gemm '/fc/Gemm'". */
  finalLayer?: string;
  /** Substitutions and limits, in words (e.g. odin run as odin-t, temperature only). */
  notes: string[];
  /** Scorers asked for that could not run on this model, and why. */
  skipped: { scorer: string; reason: string }[];
}
