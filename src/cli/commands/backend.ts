import { initBackend } from '../../core/backend';
import { parseCommandArgs } from '../args';
import { backendOption } from '../sharedOptions';

export const BACKEND_USAGE = 'usage: ood-lens backend [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--json]';

/**
 * Starts a backend as a training job would and says which one it got and why: what `auto` picks
 * on this machine, or whether a named one starts (exit 2 with the reason when it does not). A
 * native backend is only taken once it has computed a matMul correctly (core/backend).
 */
export async function backendCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { backend: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, BACKEND_USAGE);
  if (values.help) {
    process.stdout.write(BACKEND_USAGE + '\n');
    return 0;
  }
  const info = await initBackend(backendOption(values));
  if (values.json) process.stdout.write(JSON.stringify({ backend: info.name, tfBackend: info.tfBackend, reason: info.reason }) + '\n');
  else process.stdout.write(`${info.name} (${info.reason})\n`);
  return 0;
}
