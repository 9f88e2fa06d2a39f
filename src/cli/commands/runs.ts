import { RunStore } from '../../core/runs/runStore';
import type { TrainConfig } from '../../core/train/config';
import { parseCommandArgs } from '../args';
import { runsRootOption } from './train';

export const RUNS_USAGE = 'usage: ood-lens runs [--out RUNS_DIR] [--json]';

/** Lists the runs of a runs folder with their status, epochs and best test accuracy. */
export async function runsCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, RUNS_USAGE);
  if (values.help) {
    process.stdout.write(RUNS_USAGE + '\n');
    return 0;
  }
  const store = new RunStore(runsRootOption(values));
  const runs = store.list() as unknown as import('../../core/runs/runStore').Run<TrainConfig>[];
  const rows = runs.map((r) => ({
    id: r.id,
    status: r.observedStatus,
    epochs: `${r.record.epochsDone}/${r.record.config.epochs}`,
    loss: r.record.config.loss + (r.record.config.loss === 'logitnorm' ? ` tau=${r.record.config.tau}` : r.record.config.loss === 'logitpenalty' ? ` lambda=${r.record.config.lambda}` : ''),
    arch: r.record.config.arch,
    dataset: r.record.config.dataset,
    bestTestAccuracy: r.record.bestTestAccuracy,
    checkpoints: r.checkpoints().length,
    dir: r.dir,
  }));
  if (values.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`no runs under ${store.root}\n`);
    return 0;
  }
  const header = ['run', 'status', 'epochs', 'loss', 'arch', 'dataset', 'best acc', 'ckpts'];
  const table = rows.map((r) => [r.id, r.status, r.epochs, r.loss, r.arch, r.dataset, r.bestTestAccuracy === undefined ? '-' : `${(100 * r.bestTestAccuracy).toFixed(2)}%`, String(r.checkpoints)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  for (const row of [header, ...table]) process.stdout.write(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
  return 0;
}
