/** What every step of the native set-up shares: its options, its log, its cancel signal and its error. */
import * as fs from 'node:fs';
import { SetupCancelled } from './childProcesses';

/** How tfjs-node gets its TensorFlow C library: its own npm install (which downloads libtensorflow), or a TensorFlow CPU wheel. */
export type SetupRoute = 'npm' | 'tensorflow-wheel';

export interface NativeSetupOptions {
  /**
   * 'project': into `<target>/node_modules` of an existing package (a clone of this project:
   * npm dedupes tfjs-node's tfjs against the project's own). 'folder': a native folder of its
   * own at `target` (nativeFolder.ts), made under a temporary name beside it and renamed once
   * it works, without tfjs or tfjs-core (the engine's are used).
   */
  layout: 'project' | 'folder';
  target: string;
  /** The node_modules that holds the engine's @tensorflow/tfjs. */
  engineNodeModules: string;
  /** The tfjs-node version (package.json's optionalDependencies). */
  version: string;
  /** Wheels, unpacked TensorFlow libraries and built addons (tensorflowWheel.ts). */
  cacheDir: string;
  /** Tried in this order until one gives a package that loads. */
  routes: SetupRoute[];
  /** A tensorflow_cpu-*.whl to use instead of pip's download. */
  wheel?: string;
  /** How a user passes a wheel of their own, for the error that says pip found none. */
  wheelHint?: string;
  /** Default python3. */
  python?: string;
  /** Redo it even when the package already loads; rebuild the addon. */
  force?: boolean;
  /** Starts the engine's CLI: `command ...args backend --backend tensorflow --json` is the check. */
  engine: { command: string; args: string[]; cwd?: string; env?: NodeJS.ProcessEnv };
  /** The environment of npm, pip and the compilers (default: this process's). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log: (line: string) => void;
  /** The step under way, one line, for a progress display. */
  onStep?: (step: string) => void;
}

/** What is missing or went wrong, for the caller to say so in one line (the details are in the log). */
export type SetupProblem = 'platform' | 'npm' | 'network' | 'pip' | 'wheel' | 'compiler' | 'build' | 'check';

export class NativeSetupError extends Error {
  constructor(readonly problem: SetupProblem, message: string) {
    super(message);
    this.name = 'NativeSetupError';
  }
}

export class SetupContext {
  private readonly temporary = new Set<string>();
  readonly startedAt = Date.now();

  constructor(readonly options: NativeSetupOptions) {}

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  readonly log = (line: string): void => this.options.log(line);

  step(title: string): void {
    this.throwIfCancelled();
    this.options.log(`-- ${title} (at ${((Date.now() - this.startedAt) / 1000).toFixed(1)} s)`);
    this.options.onStep?.(title);
  }

  throwIfCancelled(): void {
    if (this.options.signal?.aborted) throw new SetupCancelled();
  }

  /** A temporary folder removed by `cleanUp` unless it was renamed into place first. */
  cleanUpLater(folder: string): void {
    this.temporary.add(folder);
  }

  cleanUp(): void {
    for (const folder of this.temporary) fs.rmSync(folder, { recursive: true, force: true });
    this.temporary.clear();
  }
}
