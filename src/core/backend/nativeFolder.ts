/**
 * A "native folder": a folder of its own holding `node_modules/@tensorflow/tfjs-node` (and its
 * dependencies), made where the engine's own node_modules cannot take it: the extension's global
 * storage ("OOD Lens: Set Up Native TensorFlow"). The engine loads tfjs-node from there when
 * OOD_LENS_NATIVE_DIR names the folder.
 *
 * The folder holds no @tensorflow/tfjs or tfjs-core: tfjs-node must register its backend on the
 * engine's own tfjs-core, so those resolve, through NODE_PATH, to the engine's node_modules
 * (`nativeEngineEnv`). The engine checks that before it loads the package.
 *
 * tfjs-free and vscode-free: the engine, the installer (nativeInstall/) and the extension import it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TFJS_NODE = '@tensorflow/tfjs-node';
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
export type NativeTensorflowPackage = typeof TFJS_NODE | typeof TFJS_NODE_GPU;

/** The tfjs packages a native package must share with the engine (one tfjs-core per process). */
export const SHARED_TFJS_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-core'] as const;

/** Names the native folder for the engine (the CLI and its worker threads). */
export const NATIVE_DIR_ENV = 'OOD_LENS_NATIVE_DIR';
/** Overrides where the installer keeps wheels, unpacked TensorFlow libraries and built addons. */
export const NATIVE_CACHE_ENV = 'OOD_LENS_NATIVE_CACHE';
/** Written last by the installer: a folder without it is not a finished install. */
export const NATIVE_RECORD_FILE = 'ood-lens-native.json';

/** What the installer records about a finished native folder. */
export interface NativeFolderRecord {
  package: string;
  version: string;
  /** 'npm': the package's own install (its libtensorflow download); 'tensorflow-wheel': built against a TensorFlow CPU wheel's C library. */
  route: 'npm' | 'tensorflow-wheel';
  /** The TensorFlow whose C library the addon runs on (the wheel's version; 2.9.1 for npm's download). */
  tensorflow: string;
  platform: string;
  arch: string;
  installedAt: string;
  /** Seconds the set-up took. */
  seconds: number;
}

/** `<prefix>/node_modules/<name>` (a scoped name is two folders). */
export function packageDirIn(prefix: string, name: string): string {
  return path.join(prefix, 'node_modules', ...name.split('/'));
}

/** The record of a finished native folder, or undefined when there is none (or it is unreadable). */
export function readNativeRecord(folder: string): NativeFolderRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(folder, NATIVE_RECORD_FILE), 'utf8')) as Partial<NativeFolderRecord>;
    if (typeof record.package !== 'string' || typeof record.version !== 'string') return undefined;
    if (!fs.existsSync(path.join(packageDirIn(folder, record.package), 'package.json'))) return undefined;
    return record as NativeFolderRecord;
  } catch {
    return undefined;
  }
}

/**
 * The environment of an engine process that uses the native folder: OOD_LENS_NATIVE_DIR, and
 * NODE_PATH starting with the engine's node_modules, where the folder's packages find
 * @tensorflow/tfjs and tfjs-core (the folder leaves them out so that there is one copy).
 */
export function nativeEngineEnv(folder: string, engineNodeModules: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const rest = (base.NODE_PATH ?? '').split(path.delimiter).filter((entry) => entry !== '' && path.resolve(entry) !== path.resolve(engineNodeModules));
  return { ...base, [NATIVE_DIR_ENV]: folder, NODE_PATH: [engineNodeModules, ...rest].join(path.delimiter) };
}
