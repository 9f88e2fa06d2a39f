/**
 * The PyTorch reference of `npm run bench -- speed --vs-pytorch`: PyTorch 2 at its default
 * threads, from the venv `npm run setup:torch` makes (or $PYTHON), timing the same training step
 * there (torchTrainStep.py, beside this file in src/).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The architectures torchTrainStep.py builds (the same layers as src/core/models). */
export const PYTORCH_ARCHS = ['mlp', 'lenet', 'cnn', 'resnet18'];

export interface PytorchTimes {
  python: string;
  torch: string;
  threads: number;
  /** Median seconds of one training step per architecture. */
  seconds: Record<string, number>;
}

export type PytorchFound = { ok: true; python: string; torch: string; note?: string } | { ok: false; why: string };

/** The project's folder (where package.json is), from dist/ or from src/bench/ under tsx. */
function projectRoot(): string {
  for (const candidate of [path.join(__dirname, '..'), path.join(__dirname, '..', '..')]) {
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
  }
  return process.cwd();
}

/** The Python of the venv `npm run setup:torch` makes. */
export function torchVenvPython(root = projectRoot()): string {
  return path.join(root, '.cache', 'torch-venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
}

const SETUP_HINT = 'npm run setup:torch makes .cache/torch-venv with pip install torch (PyTorch 2, its default threads)';

/**
 * The Python the bench compares with: $PYTHON when set (it must import torch), else the venv of
 * `npm run setup:torch`. Says plainly when there is none, and when the torch found is older than
 * 2 (Debian's 1.13 is 1.4-5x slower than PyTorch 2 here: not what a user would compare with).
 */
export function findTorchPython(): PytorchFound {
  const given = process.env.PYTHON;
  const python = given ?? torchVenvPython();
  if (!given && !fs.existsSync(python)) return { ok: false, why: `no PyTorch venv at ${python}: ${SETUP_HINT} (or set PYTHON to a Python with torch)` };
  const r = spawnSync(python, ['-c', 'import torch; print("torch-version", torch.__version__)'], { encoding: 'utf8' });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('torch-version '));
  if (r.status !== 0 || !line) {
    const why = r.error ? 'does not run' : ((r.stderr ?? '').trim().split('\n').pop() ?? `exit ${r.status}`);
    return { ok: false, why: `${given ? `PYTHON=${python}` : python} cannot import torch (${why}); ${SETUP_HINT}` };
  }
  const torch = line.trim().split(' ')[1];
  const major = Number(/^(\d+)/.exec(torch)?.[1] ?? 0);
  const note = major < 2 ? `PyTorch ${torch} is not the reference (PyTorch 2 is several times faster here); ${SETUP_HINT}` : undefined;
  return { ok: true, python, torch, ...(note ? { note } : {}) };
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
