import * as fs from 'node:fs';
import { UserInputError } from '../../core/errors';
import { detectionMetrics } from '../../core/metrics';
import { parseCommandArgs, stringOption } from '../args';

export const METRICS_USAGE = `usage: ood-lens metrics --id FILE --ood FILE [--json]
  FILEs hold one score a line (higher = more in-distribution), from any model.`;

/** Reads one number a line; blank lines are skipped, anything else is an error naming the line. */
export function readScoreFile(file: string): Float64Array {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserInputError(`cannot read scores from ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; expected a text file with one number a line`, file, 'a file of scores');
  }
  const values: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '') return;
    const v = Number(t);
    if (!Number.isFinite(v)) throw new UserInputError(`${file}:${i + 1}: '${t.slice(0, 40)}' is not a number; expected one finite score a line`, `${file}:${i + 1}`, 'a finite number');
    values.push(v);
  });
  if (values.length === 0) throw new UserInputError(`${file} holds no scores: expected one number a line`, file, 'at least one score');
  return Float64Array.from(values);
}

export async function metricsCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { id: { type: 'string' }, ood: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, METRICS_USAGE);
  if (values.help) {
    process.stdout.write(METRICS_USAGE + '\n');
    return 0;
  }
  const idFile = stringOption(values, 'id');
  const oodFile = stringOption(values, 'ood');
  if (!idFile || !oodFile) throw new UserInputError(`both --id and --ood are needed\n${METRICS_USAGE}`, '', '--id FILE --ood FILE');
  const id = readScoreFile(idFile);
  const ood = readScoreFile(oodFile);
  const m = detectionMetrics(id, ood);
  if (values.json) {
    process.stdout.write(JSON.stringify({ idCount: id.length, oodCount: ood.length, ...m }, null, 2) + '\n');
  } else {
    process.stdout.write(
      `ID ${id.length} scores, OOD ${ood.length} scores (higher = more ID)\n` +
        `FPR95    ${(100 * m.fpr95).toFixed(2)}%\nAUROC    ${(100 * m.auroc).toFixed(2)}%\nAUPR-In  ${(100 * m.auprIn).toFixed(2)}%\nAUPR-Out ${(100 * m.auprOut).toFixed(2)}%\n`,
    );
  }
  return 0;
}
