/**
 * The PyTorch reference of `npm run bench -- speed --vs-pytorch`: finds a Python that imports
 * torch and times the same training step there (torchTrainStep.py, beside this file in src/).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The architectures torchTrainStep.py builds (the same layers as src/core/models). */
export const PYTORCH_ARCHS = ['mlp', 'lenet', 'cnn'];

export interface PytorchTimes {
  python: string;
  torch: string;
  threads: number;
  /** Median seconds of one training step per architecture. */
  seconds: Record<string, number>;
}

export type PytorchFound = { ok: true; python: string; torch: string } | { ok: false; why: string };

/** The first of $PYTHON, python3, /usr/bin/python3 that imports torch (Debian's python3-torch is under /usr/bin). */
export function findTorchPython(): PytorchFound {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  const seen: string[] = [];
  for (const python of [...new Set(candidates)]) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { ok: true, python, torch: r.stdout.trim() };
    seen.push(`${python}: ${r.error ? 'not found' : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return { ok: false, why: `no Python with torch (${seen.join('; ')}); on Debian: apt-get install python3-torch` };
}

function scriptPath(): string {
  // From dist/bench.js the script is in ../src/bench; under tsx it sits beside this file.
  const candidates = [path.join(__dirname, 'torchTrainStep.py'), path.join(__dirname, '..', 'src', 'bench', 'torchTrainStep.py')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`torchTrainStep.py not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Runs the PyTorch timing in a child process; throws with its stderr when it fails. */
export function timePytorchSteps(python: string, archs: string[], batch: number, steps: number, warmup: number, threads: number): PytorchTimes {
  const argv = [scriptPath(), '--archs', archs.join(','), '--batch', String(batch), '--steps', String(steps), '--warmup', String(warmup), '--threads', String(threads)];
  const r = spawnSync(python, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${python} torchTrainStep.py failed (exit ${r.status}): ${(r.stderr || String(r.error)).trim().split('\n').slice(-3).join(' | ')}`);
  const parsed = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { torch: string; threads: number; seconds: Record<string, number> };
  return { python, ...parsed };
}
