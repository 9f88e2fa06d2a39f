/**
 * The two native TensorFlow packages, loaded with a guarded `require`: they are optional
 * dependencies (their install downloads libtensorflow, which fails offline and npm then
 * drops them), so their absence must be a clean answer, never a crash. Both register the
 * same `tensorflow` backend and cannot be unloaded, so at most one is ever loaded.
 */
export const TFJS_NODE = '@tensorflow/tfjs-node';
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
export type NativeTensorflowPackage = typeof TFJS_NODE | typeof TFJS_NODE_GPU;

// Literal requires, so bundlers see the names (node_modules stays external in our bundles).
const requirePackage: Record<NativeTensorflowPackage, () => unknown> = {
  [TFJS_NODE]: () => require('@tensorflow/tfjs-node'),
  [TFJS_NODE_GPU]: () => require('@tensorflow/tfjs-node-gpu'),
};

let loadedPackage: NativeTensorflowPackage | null = null;

/** The native package this process has loaded, if any. */
export function loadedNativePackage(): NativeTensorflowPackage | null {
  return loadedPackage;
}

export function isPackageInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

export type LoadOutcome = { ok: true } | { ok: false; why: string };

/** Loads one native package; says why not when it cannot. */
export function loadNativePackage(packageName: NativeTensorflowPackage): LoadOutcome {
  if (loadedPackage === packageName) return { ok: true };
  if (loadedPackage !== null) {
    return { ok: false, why: `${loadedPackage} is already loaded in this process, and only one TensorFlow backend can be` };
  }
  if (!isPackageInstalled(packageName)) return { ok: false, why: 'not installed (optional dependency)' };
  // TensorFlow's C++ logging (oneDNN notes, CPU feature hints) would fill stderr at load; keep
  // warnings and errors unless the user asked for a level.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
  try {
    requirePackage[packageName]();
  } catch (e) {
    const firstLine = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return { ok: false, why: `installed but failed to load (${firstLine})` };
  }
  loadedPackage = packageName;
  return { ok: true };
}
