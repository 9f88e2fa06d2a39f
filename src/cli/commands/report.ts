import { reportText, type ReportFormat } from '../../core/evaluate/reportText';
import { parseCommandArgs, stringOption } from '../args';
import { runsRootOption } from '../sharedOptions';

export const REPORT_USAGE = `usage: ood-lens report [RUN ...] [--format md|csv|json] [--scorer msp] [--out RUNS_DIR]
  With no RUN, every evaluated run under the runs folder. Runs that differ only in seed are one
  configuration, shown as mean ± std.`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { format: { type: 'string' }, scorer: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, REPORT_USAGE);
  if (values.help) {
    process.stdout.write(REPORT_USAGE + '\n');
    return 0;
  }
  const text = reportText({
    runsRoot: runsRootOption(values),
    runs: positionals,
    format: stringOption(values, 'format', 'md') as ReportFormat,
    scorer: stringOption(values, 'scorer'),
    log: (message) => process.stderr.write(message + '\n'),
  });
  process.stdout.write(text);
  return 0;
}
