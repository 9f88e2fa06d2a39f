import { UserInputError } from '../../core/errors';
import { readEvaluations } from '../../core/evaluate/evaluate';
import { buildReport, renderCsv, renderMarkdown } from '../../core/evaluate/report';
import { RunStore } from '../../core/runs/runStore';
import { parseCommandArgs, stringOption } from '../args';
import { runsRootOption } from './train';

export const REPORT_USAGE = `usage: ood-lens report [RUN ...] [--format md|csv|json] [--scorer msp] [--out RUNS_DIR]
  With no RUN, every evaluated run under the runs folder. Runs that differ only in seed are one
  configuration, shown as mean ± std.`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { format: { type: 'string' }, scorer: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, REPORT_USAGE);
  if (values.help) {
    process.stdout.write(REPORT_USAGE + '\n');
    return 0;
  }
  const format = stringOption(values, 'format', 'md');
  if (!['md', 'csv', 'json'].includes(format)) throw new UserInputError(`--format '${format}' is unknown: expected md, csv or json`, format, 'md | csv | json');
  const store = new RunStore(runsRootOption(values));
  const runs = positionals.length ? positionals.map((p) => store.open(p)) : store.list();
  const evaluations = runs.flatMap((r) => readEvaluations(r, (m) => process.stderr.write(m + '\n')));
  if (evaluations.length === 0) throw new UserInputError(`no evaluations found in ${runs.length} run(s): run ood-lens evaluate RUN first`, positionals.join(' ') || store.root, 'evaluated runs');
  const tables = buildReport(evaluations, { scorer: stringOption(values, 'scorer') });
  process.stdout.write(format === 'md' ? renderMarkdown(tables) : format === 'csv' ? renderCsv(tables) : JSON.stringify(tables, null, 2) + '\n');
  return 0;
}
