import { UserInputError } from '../errors';
import type { ScorerOptionName, ScorerOptions } from './types';

/** Rejects options the scorer does not read (a typo or a wrong scorer must not pass silently). */
export function rejectOtherOptions(scorer: string, options: ScorerOptions, accepted: readonly ScorerOptionName[]): void {
  for (const key of Object.keys(options)) {
    if ((options as Record<string, unknown>)[key] === undefined) continue;
    if (!(accepted as readonly string[]).includes(key)) {
      const expected = accepted.length > 0 ? `one of ${accepted.join(', ')}` : 'no options';
      throw new UserInputError(`scorer '${scorer}' has no option '${key}': expected ${expected}`, key, expected);
    }
  }
}

/** A finite number > 0 (or >= 0 with allowZero). */
export function positiveOption(scorer: string, option: string, value: number, allowZero = false): number {
  const ok = Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    const expected = allowZero ? 'a finite number >= 0' : 'a finite number > 0';
    throw new UserInputError(`scorer '${scorer}' option ${option}=${value} is invalid: expected ${expected}`, String(value), expected);
  }
  return value;
}

export function integerOption(scorer: string, option: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new UserInputError(`scorer '${scorer}' option ${option}=${value} is invalid: expected an integer >= ${min}`, String(value), `an integer >= ${min}`);
  }
  return value;
}
