import { listCheckpointFolders } from '../../core/runs/checkpointFolders';
import { readRunSummaries } from '../../core/runs/runRecord';
import { parseCommandArgs } from '../args';
import { runsRootOption } from '../sharedOptions';

export const RUNS_USAGE = 'usage: ood-lens runs [--out RUNS_DIR] [--json]';

/** Lists the runs of a runs folder with their status, epochs and best test accuracy. */
export async function runsCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, RUNS_USAGE);
  if (values.help) {
    process.stdout.write(RUNS_USAGE + '\n');
    return 0;
  }
  const root = runsRootOption(values);
  // The one run.json reader (core/runs/runRecord.ts): a folder whose run.json is unreadable is listed with its problem, as in VS Code's tree.
  const rows = readRunSummaries(root).map((r) => {
    const { loss, tau, lambda, epochs, arch, dataset } = r.config;
    return {
      id: r.id,
      status: r.status,
      epochs: `${r.epochsDone ?? 0}/${epochs ?? '?'}`,
      loss: String(loss ?? '?') + (loss === 'logitnorm' ? ` tau=${tau}` : loss === 'logitpenalty' ? ` lambda=${lambda}` : ''),
      arch: String(arch ?? '?'),
      dataset: String(dataset ?? '?'),
      bestTestAccuracy: r.bestTestAccuracy,
      checkpoints: listCheckpointFolders(r.runDir).length,
      dir: r.runDir,
      ...(r.problem ? { problem: r.problem } : {}),
    };
  });
  if (values.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`no runs under ${root}\n`);
    return 0;
  }
  const header = ['run', 'status', 'epochs', 'loss', 'arch', 'dataset', 'best acc', 'ckpts'];
  const table = rows.map((r) => [r.id, r.status, r.epochs, r.loss, r.arch, r.dataset, r.bestTestAccuracy === undefined ? '-' : `${(100 * r.bestTestAccuracy).toFixed(2)}%`, String(r.checkpoints)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  for (const row of [header, ...table]) process.stdout.write(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
  for (const r of rows) if (r.problem) process.stdout.write(`${r.id}: ${r.problem}\n`);
  return 0;
}
