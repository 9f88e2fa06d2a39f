/**
 * The two native TensorFlow packages, loaded with a guarded `require`: they are optional
 * dependencies (their install downloads libtensorflow, which fails offline and npm then
 * drops them), so their absence must be a clean answer, never a crash. Both register the
 * same `tensorflow` backend and cannot be unloaded, so at most one is ever loaded.
 *
 * A package is looked for first in the native folder that OOD_LENS_NATIVE_DIR names (the
 * extension's "Set Up Native TensorFlow" makes one; nativeFolder.ts), then in the engine's own
 * node_modules. From the native folder it is loaded only when its @tensorflow/tfjs and tfjs-core
 * resolve to the engine's own files: its backend must register on the tfjs-core the engine uses.
 */
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NATIVE_DIR_ENV, SHARED_TFJS_PACKAGES, TFJS_NODE, TFJS_NODE_GPU, packageDirIn, type NativeTensorflowPackage } from './nativeFolder';

export { TFJS_NODE, TFJS_NODE_GPU, type NativeTensorflowPackage };

// Literal requires, so bundlers see the names (node_modules stays external in our bundles).
const requirePackage: Record<NativeTensorflowPackage, () => unknown> = {
  [TFJS_NODE]: () => require('@tensorflow/tfjs-node'),
  [TFJS_NODE_GPU]: () => require('@tensorflow/tfjs-node-gpu'),
};

/** The engine's own files of the shared tfjs packages (what its `import '@tensorflow/tfjs'` loaded). */
const engineTfjsFiles: Record<(typeof SHARED_TFJS_PACKAGES)[number], () => string> = {
  '@tensorflow/tfjs': () => require.resolve('@tensorflow/tfjs'),
  '@tensorflow/tfjs-core': () => require.resolve('@tensorflow/tfjs-core'),
};

let loadedPackage: NativeTensorflowPackage | null = null;
let loadedFrom: string | null = null;

/** The native package this process has loaded, if any. */
export function loadedNativePackage(): NativeTensorflowPackage | null {
  return loadedPackage;
}

/** Where the loaded native package came from: the native folder, or null for the engine's node_modules. */
export function loadedNativeFolder(): string | null {
  return loadedFrom;
}

/** The native folder OOD_LENS_NATIVE_DIR names, when it holds `packageName`. */
function nativeFolderHolding(packageName: string): string | undefined {
  const folder = process.env[NATIVE_DIR_ENV]?.trim();
  if (!folder) return undefined;
  return fs.existsSync(path.join(packageDirIn(folder, packageName), 'package.json')) ? path.resolve(folder) : undefined;
}

export function isPackageInstalled(packageName: string): boolean {
  if (nativeFolderHolding(packageName)) return true;
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why the package in `packageDir` would not share the engine's tfjs (undefined: it would). Each
 * shared package, resolved from the native package's folder as its own `require` does, must be
 * the very file the engine loaded.
 */
export function sharedTfjsProblem(packageDir: string): string | undefined {
  const fromPackage = createRequire(path.join(packageDir, 'package.json'));
  for (const shared of SHARED_TFJS_PACKAGES) {
    const engineFile = engineTfjsFiles[shared]();
    const engineNodeModules = engineFile.slice(0, engineFile.lastIndexOf(`${path.sep}node_modules${path.sep}`) + `${path.sep}node_modules`.length);
    let packageFile: string;
    try {
      packageFile = fromPackage.resolve(shared);
    } catch {
      return `cannot find ${shared} from ${packageDir}: the native folder leaves it out for the engine's copy, so NODE_PATH must name ${engineNodeModules}`;
    }
    if (packageFile !== engineFile) {
      return `it would load its own ${shared} (${packageFile}), not the engine's (${engineFile}), and register its backend on another tfjs-core`;
    }
  }
  return undefined;
}

export type LoadOutcome = { ok: true } | { ok: false; why: string };

/** Loads one native package; says why not when it cannot. */
export function loadNativePackage(packageName: NativeTensorflowPackage): LoadOutcome {
  if (loadedPackage === packageName) return { ok: true };
  if (loadedPackage !== null) {
    return { ok: false, why: `${loadedPackage} is already loaded in this process, and only one TensorFlow backend can be` };
  }
  const folder = nativeFolderHolding(packageName);
  if (!folder && !isPackageInstalled(packageName)) return { ok: false, why: 'not installed (optional dependency)' };
  if (folder) {
    const problem = sharedTfjsProblem(packageDirIn(folder, packageName));
    if (problem) return { ok: false, why: `in ${folder} but not loaded: ${problem}` };
  }
  // TensorFlow's C++ logging (oneDNN notes, CPU feature hints) would fill stderr at load; keep
  // warnings and errors unless the user asked for a level.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
  try {
    if (folder) createRequire(path.join(folder, 'package.json'))(packageName);
    else requirePackage[packageName]();
  } catch (e) {
    const firstLine = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return { ok: false, why: `installed${folder ? ` in ${folder}` : ''} but failed to load (${firstLine})` };
  }
  loadedPackage = packageName;
  loadedFrom = folder ?? null;
  return { ok: true };
}
