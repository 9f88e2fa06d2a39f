import { UserInputError } from '../errors';
import { checkTemperature, logSumExpRow, rowCount } from './softmax';
import type { Numbers } from './scoreInputs';

export interface TemperatureSearch {
  /** The fitted T is clamped to [minTemperature, maxTemperature]; defaults 1e-4 and 1e4. */
  minTemperature?: number;
  maxTemperature?: number;
}

function checkLabels(labels: ArrayLike<number>, rows: number, numClasses: number): void {
  if (labels.length !== rows) {
    throw new UserInputError(`${rows} rows of logits but ${labels.length} labels: expected one label per row`, String(labels.length), String(rows));
  }
  if (rows === 0) throw new UserInputError('temperature scaling of no samples: expected a non-empty validation split', '0', '>= 1 sample');
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new UserInputError(`label ${y} at index ${i} is not a class: expected an integer in [0, ${numClasses})`, String(y), `[0, ${numClasses})`);
    }
  }
}

/** Mean negative log-likelihood of the labels under softmax(f / T): what temperature scaling minimises. */
export function temperatureNll(logits: Numbers, labels: ArrayLike<number>, numClasses: number, temperature: number): number {
  checkTemperature(temperature);
  const rows = rowCount(logits, numClasses);
  checkLabels(labels, rows, numClasses);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const offset = i * numClasses;
    total += logSumExpRow(logits, offset, numClasses, 1 / temperature) - logits[offset + labels[i]] / temperature;
  }
  return total / rows;
}

/**
 * First and second derivative of the mean NLL with respect to the inverse temperature b = 1/T:
 *   NLL(b) = mean_i [ logsumexp_j(b f_ij) - b f_iy ]
 *   NLL'(b) = mean_i [ E_p[f_i] - f_iy ],  NLL''(b) = mean_i Var_p[f_i] >= 0,  p = softmax(b f_i).
 */
function nllSlopeAndCurvature(logits: Numbers, labels: ArrayLike<number>, numClasses: number, rows: number, b: number): [number, number] {
  let slope = 0;
  let curvature = 0;
  for (let i = 0; i < rows; i++) {
    const offset = i * numClasses;
    const lse = logSumExpRow(logits, offset, numClasses, b);
    let mean = 0;
    let meanSquare = 0;
    for (let j = 0; j < numClasses; j++) {
      const f = logits[offset + j];
      const p = Math.exp(b * f - lse);
      mean += p * f;
      meanSquare += p * f * f;
    }
    slope += mean - logits[offset + labels[i]];
    curvature += Math.max(0, meanSquare - mean * mean);
  }
  return [slope / rows, curvature / rows];
}

/**
 * Temperature scaling (Guo et al. 2017): the T > 0 that minimises the mean NLL of softmax(f / T) on a
 * held-out validation split. `logits` are rows of `numClasses` (row-major), `labels` the classes.
 *
 * Method: the NLL is convex in b = 1/T (a log-sum-exp of functions linear in b, minus a linear term),
 * so its slope is increasing in b and the minimum is the one root of the slope. We bracket the root
 * on [1/maxT, 1/minT] and solve with Newton's method safeguarded by bisection in log b (a step that
 * leaves the bracket is replaced by the bracket's geometric midpoint). Convex in b means unimodal in
 * log T, so this is the same minimiser a golden-section search on log T would find, in far fewer
 * evaluations; it is deterministic and converges to ~1e-12 relative in T.
 *
 * Edge cases: a slope >= 0 everywhere (labels no better than chance under every T) gives maxT; a
 * slope < 0 everywhere (every sample right with a margin, so sharper is always better) gives minT;
 * logits constant within every row (NLL flat) give 1.
 */
export function fitTemperature(logits: Numbers, labels: ArrayLike<number>, numClasses: number, search: TemperatureSearch = {}): number {
  const minTemperature = search.minTemperature ?? 1e-4;
  const maxTemperature = search.maxTemperature ?? 1e4;
  checkTemperature(minTemperature);
  checkTemperature(maxTemperature);
  if (!(minTemperature < maxTemperature)) {
    throw new UserInputError(`temperature range [${minTemperature}, ${maxTemperature}] is empty`, `${minTemperature}..${maxTemperature}`, 'min < max');
  }
  const rows = rowCount(logits, numClasses);
  checkLabels(labels, rows, numClasses);
  for (let i = 0; i < logits.length; i++) {
    if (!Number.isFinite(logits[i])) {
      throw new UserInputError(`logit ${logits[i]} at index ${i} is not finite: expected finite logits`, String(logits[i]), 'finite numbers');
    }
  }

  let low = 1 / maxTemperature;
  let high = 1 / minTemperature;
  const [slopeLow] = nllSlopeAndCurvature(logits, labels, numClasses, rows, low);
  const [slopeHigh] = nllSlopeAndCurvature(logits, labels, numClasses, rows, high);
  if (slopeLow >= 0 && slopeHigh <= 0) return 1; // flat: every b is a minimiser
  if (slopeLow >= 0) return maxTemperature;
  if (slopeHigh <= 0) return minTemperature;

  let b = Math.min(Math.max(1, low), high);
  for (let iteration = 0; iteration < 200; iteration++) {
    const [slope, curvature] = nllSlopeAndCurvature(logits, labels, numClasses, rows, b);
    if (slope === 0) break;
    if (slope < 0) low = b;
    else high = b;
    let next = curvature > 0 ? b - slope / curvature : NaN;
    if (!(next > low && next < high)) next = Math.sqrt(low * high);
    const converged = Math.abs(next - b) <= 1e-13 * b || high - low <= 1e-13 * high;
    b = next;
    if (converged) break;
  }
  return 1 / b;
}
