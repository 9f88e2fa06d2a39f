/** The calibration part of an evaluation file, from the ID test's confidences before and after temperature scaling. */
import { ece, reliabilityBins } from '../metrics';
import type { CalibrationResult } from './results';

export function calibrationResult(
  confidence: ArrayLike<number>,
  scaledConfidence: ArrayLike<number>,
  correct: ArrayLike<boolean | number>,
  temperature: number,
  validationCount: number,
): CalibrationResult {
  return {
    ece: ece(confidence, correct),
    eceTemperatureScaled: ece(scaledConfidence, correct),
    temperature,
    validationCount,
    reliability: reliabilityBins(confidence, correct).map((b) => ({ ...b })),
    reliabilityTemperatureScaled: reliabilityBins(scaledConfidence, correct).map((b) => ({ ...b })),
  };
}
