import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserInputError } from '../core/errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
/** What parseCommandArgs gives for the flags: a string or a boolean by each flag's type. */
export type OptionValues = Record<string, string | boolean | undefined>;

/** node:util parseArgs, with its errors turned into UserInputErrors that name the flag. */
export function parseCommandArgs(argv: string[], options: OptionSpec, usage: string): { values: OptionValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as OptionValues, positionals };
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UserInputError(`${message}\n${usage}`, argv.join(' '), usage);
  }
}

export function numberOption(values: OptionValues, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) {
    throw new UserInputError(`--${name} expects a number, got '${String(raw)}'`, String(raw), 'a number');
  }
  return n;
}

export function stringOption(values: OptionValues, name: string, fallback: string): string;
export function stringOption(values: OptionValues, name: string, fallback?: string): string | undefined;
export function stringOption(values: OptionValues, name: string, fallback?: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : fallback;
}

/** "a,b , c" -> ['a', 'b', 'c'] */
export function listOption(values: OptionValues, name: string, fallback: string[]): string[] {
  const raw = stringOption(values, name);
  if (raw === undefined) return fallback;
  return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
