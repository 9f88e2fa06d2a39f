import { UserInputError } from '../errors';
import type { Numbers } from './scoreInputs';

export interface HistogramOptions {
  bins: number;
  /** Range to bin; both default to the finite range of the values (see `sharedRange`). */
  min?: number;
  max?: number;
}

/** Equal-width bins [edges[i], edges[i+1]), the last one closed at max. */
export interface Histogram {
  readonly min: number;
  readonly max: number;
  /** bins + 1 edges. */
  readonly edges: number[];
  readonly counts: number[];
  /** counts / number of values (comparable between an ID set and a smaller OOD set). */
  readonly fractions: number[];
  /** Values below min / above max (+-Infinity included), counted in no bin. */
  readonly below: number;
  readonly above: number;
  readonly total: number;
}

/**
 * The smallest and largest finite value over several arrays, for a shared histogram range (ID and
 * OOD scores on one axis). A degenerate range (all values equal) is widened by 0.5 on each side; no
 * finite value at all gives [0, 1].
 */
export function sharedRange(...sets: Numbers[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const values of sets) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  if (min === Infinity) return { min: 0, max: 1 };
  if (min === max) return { min: min - 0.5, max: max + 0.5 };
  return { min, max };
}

/** Counts of `values` in `bins` equal-width bins on [min, max]. NaN is an error. */
export function histogram(values: Numbers, options: HistogramOptions): Histogram {
  const { bins } = options;
  if (!Number.isInteger(bins) || bins < 1) {
    throw new UserInputError(`histogram bins ${bins} is invalid: expected an integer >= 1`, String(bins), 'an integer >= 1');
  }
  const range = options.min === undefined || options.max === undefined ? sharedRange(values) : undefined;
  const min = options.min ?? range!.min;
  const max = options.max ?? range!.max;
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > min)) {
    throw new UserInputError(`histogram range [${min}, ${max}] is invalid: expected finite min < max`, `${min}..${max}`, 'finite min < max');
  }
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  let below = 0;
  let above = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) throw new UserInputError(`histogram value at index ${i} is NaN: expected numbers`, 'NaN', 'numbers');
    if (v < min) below++;
    else if (v > max) above++;
    else counts[Math.min(bins - 1, Math.floor((v - min) / width))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
  const total = values.length;
  return { min, max, edges, counts, fractions: counts.map((c) => (total > 0 ? c / total : 0)), below, above, total };
}
