/**
 * The native engine of the installed extension: tfjs-node in a native folder of the extension's
 * global storage (`<globalStorage>/native`), set up by "OOD Lens: Set Up Native TensorFlow" with
 * the installer the clone's `npm run setup:native` uses (core/backend/nativeInstall), and handed
 * to every job through its environment (OOD_LENS_NATIVE_DIR, and NODE_PATH naming the
 * extension's node_modules, where the folder's tfjs-node finds the engine's tfjs-core).
 *
 * Owns no UI: commands/nativeSetupCommand.ts shows the progress, the offer and the outcome.
 */
import * as path from 'node:path';
import { NATIVE_CACHE_ENV, TFJS_NODE, nativeEngineEnv, readNativeRecord, type NativeFolderRecord } from '../core/backend/nativeFolder';
import { setUpNativeTensorflow, type NativeSetupResult } from '../core/backend/nativeInstall';

export interface NativeSetupRequest {
  force: boolean;
  /** A tensorflow_cpu-*.whl to build against (the `oodLens.tensorflowWheel` setting); empty: pip's. */
  wheel: string;
  signal: AbortSignal;
  log: (line: string) => void;
  onStep: (step: string) => void;
}

export class NativeEngine {
  /** The native folder jobs use once it holds a finished install. */
  readonly folder: string;
  /** Wheels, unpacked TensorFlow libraries and built addons; OOD_LENS_NATIVE_CACHE moves it (a clone's .cache/native, say). */
  readonly cacheDir: string;
  private readonly engineNodeModules: string;
  private running = false;
  /** The offer to set it up was made in this session (commands/nativeSetupCommand.ts). */
  offeredThisSession = false;

  constructor(private readonly extensionPath: string, globalStoragePath: string, private readonly extensionManifest: { optionalDependencies?: Record<string, string> }) {
    this.folder = path.join(globalStoragePath, 'native');
    this.cacheDir = process.env[NATIVE_CACHE_ENV]?.trim() || path.join(globalStoragePath, 'native-cache');
    this.engineNodeModules = path.join(extensionPath, 'node_modules');
  }

  /** What is set up, or undefined when nothing (finished) is, or when it was set up for another tfjs version (an update of the extension). */
  installed(): NativeFolderRecord | undefined {
    const record = readNativeRecord(this.folder);
    return record?.version === this.version ? record : undefined;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The environment of a job: the native folder's variables when it is set up, else `base` as it is. */
  jobEnvironment(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return this.installed() ? nativeEngineEnv(this.folder, this.engineNodeModules, base) : base;
  }

  /** The tfjs-node version this extension's engine was built with. */
  get version(): string {
    const version = this.extensionManifest.optionalDependencies?.[TFJS_NODE];
    if (!version) throw new Error(`the extension's package.json names no ${TFJS_NODE} version`);
    return version;
  }

  /** Installs tfjs-node into the native folder: npm's own download first, then the TensorFlow-wheel route. */
  async setUp(request: NativeSetupRequest): Promise<NativeSetupResult> {
    if (this.running) throw new Error('a set-up of native TensorFlow is already running');
    this.running = true;
    try {
      return await setUpNativeTensorflow({
        layout: 'folder',
        target: this.folder,
        engineNodeModules: this.engineNodeModules,
        version: this.version,
        cacheDir: this.cacheDir,
        routes: ['npm', 'tensorflow-wheel'],
        wheel: request.wheel || undefined,
        wheelHint: 'set oodLens.tensorflowWheel to a tensorflow_cpu-*.whl you have',
        force: request.force,
        // The check runs the engine as a job does: this host's executable, plain Node under Electron.
        engine: { command: process.execPath, args: [path.join(this.extensionPath, 'dist', 'cli.js')], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
        signal: request.signal,
        log: request.log,
        onStep: request.onStep,
      });
    } finally {
      this.running = false;
    }
  }
}
