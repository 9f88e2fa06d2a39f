import { isUserInputError } from '../core/errors';
import { WORKER_PROTOCOL_VERSION } from '../protocol';
import { backendCommand } from './commands/backend';
import { evaluateCommand } from './commands/evaluate';
import { metricsCommand } from './commands/metrics';
import { reportCommand } from './commands/report';
import { runsCommand } from './commands/runs';
import { sweepCommand } from './commands/sweep';
import { trainCommand } from './commands/train';

const USAGE = `ood-lens: train classifiers with LogitNorm and evaluate OOD detection

commands:
  train      train (or --resume) a run; ood-lens train --help
  evaluate   OOD detection and calibration of a checkpoint; ood-lens evaluate --help
  sweep      the tau sweep (Figure 5): a LogitNorm run per tau, each evaluated; ood-lens sweep --help
  metrics    FPR95 / AUROC / AUPR of two files of scores from any model
  report     the paper's tables (1, 2, 4, 5) from evaluated runs
  runs       list runs and their status
  backend    the TensorFlow.js backend a job would use here, and why
  help       this text

Errors you can fix print one line and exit 2; --events jsonl writes JSON events on stdout.`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  train: trainCommand,
  evaluate: evaluateCommand,
  sweep: sweepCommand,
  metrics: metricsCommand,
  report: reportCommand,
  runs: runsCommand,
  backend: backendCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`ood-lens: unknown command '${command}': expected one of ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  return run(rest);
}

const jsonEvents = process.argv.includes('--events');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const userError = isUserInputError(e);
    const message = e instanceof Error ? e.message : String(e);
    if (jsonEvents) {
      const runId = (e as { runId?: string }).runId;
      process.stdout.write(JSON.stringify({ v: WORKER_PROTOCOL_VERSION, type: 'error', job: process.argv[2] ?? 'train', runId, message, userError }) + '\n');
    }
    if (userError) process.stderr.write(`ood-lens: ${message}\n`);
    else process.stderr.write(`ood-lens: internal error: ${e instanceof Error && e.stack ? e.stack : message}\n`);
    process.exitCode = userError ? 2 : 1;
  },
);
