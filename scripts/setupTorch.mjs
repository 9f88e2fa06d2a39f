// `npm run setup:torch [-- --force]`
//
// Makes the PyTorch that `npm run bench -- speed --vs-pytorch` (and `bench -- onnx --vs-pytorch`)
// compares with: PyTorch 2 from pip, at its default threads, in a virtual environment of its own,
// .cache/torch-venv/ (git-ignored). That is what a user who compares OOD Lens with PyTorch would
// have (`pip install torch`); Debian's python3-torch (1.13, generic BLAS, one thread) is 1.4-5x
// slower on these machines and is not the reference.
//
//   1. `python3 -m venv .cache/torch-venv` (needs Python's venv and ensurepip modules; on Debian
//      the python3-venv package);
//   2. `.cache/torch-venv/bin/python -m pip install torch numpy` from whatever index pip is set up
//      for (a CPU wheel where the index has one). torch does not pull NumPy in, and
//      scripts/torch_replicate.py (the PyTorch side of `bench replicate`) needs it;
//   3. check in the venv that torch and numpy import, and say torch's version and default threads.
//
// The bench then uses .cache/torch-venv/bin/python by default; the PYTHON environment variable
// still overrides it. When it cannot (no venv module, no wheel pip can find, a torch older than
// 2) it says why, removes the half-made venv and exits 1.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VENV = path.join(ROOT, '.cache', 'torch-venv');
const VENV_PYTHON = path.join(VENV, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
const python = process.env.SETUP_PYTHON ?? 'python3';
const force = process.argv.slice(2).includes('--force');

const say = (m) => console.log(`setup:torch: ${m}`);
let madeThisRun = false;
class SetupError extends Error {}
const fail = (m) => {
  throw new SetupError(m);
};

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return { ok: r.status === 0 && !r.error, status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

const tail = (text, lines = 8) => text.trim().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');

/** What the venv must import: torch, and numpy for scripts/torch_replicate.py. */
const IMPORTS = 'import torch, numpy';

/** torch's version and default threads in the venv, or null. */
function torchInVenv() {
  if (!fs.existsSync(VENV_PYTHON)) return null;
  // A marked line: importing torch may print warnings (e.g. that NumPy is missing) around it.
  const r = run(VENV_PYTHON, ['-c', `${IMPORTS}; print("torch-version", torch.__version__, torch.get_num_threads())`]);
  const line = r.out.split('\n').find((l) => l.startsWith('torch-version '));
  if (!r.ok || !line) return null;
  const [, version, threads] = line.trim().split(' ');
  return { version, threads: Number(threads) };
}

const major = (version) => Number(/^(\d+)/.exec(version)?.[1] ?? 0);

function main() {
  const have = torchInVenv();
  if (have && major(have.version) >= 2 && !force) {
    say(`PyTorch ${have.version} is already in ${path.relative(ROOT, VENV)}/ (${have.threads} threads by default): nothing to do (--force redoes it)`);
    return;
  }
  const version = run(python, ['--version']);
  if (!version.ok) fail(`'${python}' does not run (${version.error?.message ?? tail(version.out, 1).trim()}): install Python 3 (Debian: apt-get install python3 python3-venv)`);
  const modules = run(python, ['-c', 'import venv, ensurepip']);
  if (!modules.ok) {
    fail(`${version.out.trim()} has no venv/ensurepip module (${tail(modules.out, 1).trim()}): on Debian, apt-get install python3-venv`);
  }
  fs.rmSync(VENV, { recursive: true, force: true });
  madeThisRun = true;
  say(`making a virtual environment with ${version.out.trim()}: ${python} -m venv ${path.relative(ROOT, VENV)} ...`);
  const venv = run(python, ['-m', 'venv', VENV]);
  if (!venv.ok) fail(`${python} -m venv failed (exit ${venv.status}):\n${tail(venv.out)}`);
  say('installing torch and numpy with pip (python -m pip install torch numpy; a few minutes, the CPU wheel is about 200 MB) ...');
  const pip = run(VENV_PYTHON, ['-m', 'pip', 'install', '--no-input', 'torch', 'numpy']);
  if (!pip.ok) {
    fail(`pip could not install torch and numpy (exit ${pip.status}); its last lines:\n${tail(pip.out)}\n` +
      'No package index or wheel folder that pip can reach here holds a torch wheel for this Python. Set pip up for one (pip config, --find-links), or compare without --vs-pytorch');
  }
  const got = torchInVenv();
  if (!got) fail(`pip said it installed torch and numpy, but the venv's Python cannot import them:\n${tail(run(VENV_PYTHON, ['-c', IMPORTS]).out, 4)}`);
  if (major(got.version) < 2) fail(`pip installed torch ${got.version}; the bench's reference is PyTorch 2 or later`);
  say(`done: PyTorch ${got.version} in ${path.relative(ROOT, VENV)}/, ${got.threads} threads by default. ` +
    'npm run bench -- speed --vs-pytorch uses it (PYTHON=... overrides)');
}

try {
  main();
} catch (e) {
  if (!(e instanceof SetupError)) throw e;
  console.error(`setup:torch: FAILED: ${e.message}`);
  if (madeThisRun) {
    fs.rmSync(VENV, { recursive: true, force: true });
    console.error(`setup:torch: removed the half-made ${path.relative(ROOT, VENV)}/`);
  }
  process.exit(1);
}
