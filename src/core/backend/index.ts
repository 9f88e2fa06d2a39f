/**
 * Picks the TensorFlow.js backend at run time and says which one it got and why.
 *
 * 'auto' tries, in order: tfjs-node-gpu (only where an NVIDIA driver is present, and kept only
 * if TensorFlow really uses the GPU), tfjs-node, WebAssembly, pure JavaScript. An explicit name
 * that cannot be used is a UserInputError that says why and what to do.
 *
 * Call `initBackend` before any tensor op: the engine picks a backend at the first op.
 */
import * as tf from '@tensorflow/tfjs';
import { registerMeanGradient } from './meanGradient';
import { registerNativeBatchNorm } from './scaleShiftBatchNorm';
import { registerNativeMaxPoolGrad } from './nativeMaxPoolGrad';
import { registerReluGradient } from './nativeReluGradient';
import { UserInputError } from '../errors';
import { BACKEND_LABELS as LABELS, BACKEND_NAMES, isBackendName, type BackendName, type ConcreteBackendName } from './backendNames';
import {
  NativeTensorflowPackage,
  TFJS_NODE,
  TFJS_NODE_GPU,
  isPackageInstalled,
  loadNativePackage,
  loadedNativeFolder,
  loadedNativePackage,
} from './nativeTensorflowPackages';
import { probeNvidiaGpu } from './nvidiaGpuProbe';
import { startWasmBackend } from './wasmBackendLoader';

export { tf, BACKEND_NAMES, isBackendName, type BackendName, type ConcreteBackendName };

export interface BackendAttempt {
  name: ConcreteBackendName;
  ok: boolean;
  why: string;
}

export interface BackendInfo {
  /** The backend in use. */
  name: ConcreteBackendName;
  /** tf.getBackend(): 'tensorflow', 'wasm' or 'cpu'. */
  tfBackend: string;
  /** One line: each backend tried and what came of it. */
  reason: string;
  tried: BackendAttempt[];
}

/** What a user can do when an explicitly chosen backend cannot be used. */
const REMEDIES: Record<ConcreteBackendName, string> = {
  'tensorflow-gpu':
    `It needs ${TFJS_NODE_GPU}@4.22.0 (npm install ${TFJS_NODE_GPU}@4.22.0; its install downloads libtensorflow, ` +
    "so it needs internet access), Linux or Windows with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1. Or choose backend 'auto', 'tensorflow', 'wasm' or 'cpu'",
  tensorflow:
    `Install ${TFJS_NODE}@4.22.0 (npm install ${TFJS_NODE}@4.22.0; its install downloads libtensorflow, so it needs ` +
    "internet access; where only pip can get TensorFlow: npm run setup:native in a clone, or \"OOD Lens: Set Up Native TensorFlow\" in VS Code), " +
    "or choose backend 'auto', 'wasm' or 'cpu'",
  wasm: "Reinstall the dependencies (npm ci) so @tensorflow/tfjs-backend-wasm and its .wasm files are present, or choose backend 'cpu'",
  cpu: 'This is a bug: the pure-JavaScript backend ships with @tensorflow/tfjs',
};

const AUTO_ORDER: ConcreteBackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Results of the last successful call per requested name, so a repeat call is cheap. */
const lastInfo = new Map<BackendName, BackendInfo>();

export async function initBackend(name: BackendName = 'auto'): Promise<BackendInfo> {
  if (!isBackendName(name)) {
    throw new UserInputError(
      `unknown backend '${String(name)}': expected one of ${BACKEND_NAMES.join(', ')}`, String(name), BACKEND_NAMES.join(', '));
  }
  const previous = lastInfo.get(name);
  if (previous !== undefined && tf.getBackend() === previous.tfBackend) return previous;

  const candidates = name === 'auto' ? AUTO_ORDER : [name];
  const tried: BackendAttempt[] = [];
  for (const candidate of candidates) {
    const attempt = await tryBackend(candidate);
    tried.push(attempt);
    if (!attempt.ok) continue;
    const reason = tried.map((t) => `${LABELS[t.name]}: ${t.why}`).join('; ');
    registerMeanGradient();
    const info: BackendInfo = { name: candidate, tfBackend: tf.getBackend(), reason, tried };
    lastInfo.set(name, info);
    return info;
  }
  const last = tried[tried.length - 1];
  if (name === 'auto') {
    // cpu ships with tfjs and cannot fail to start unless the install is broken.
    throw new Error(`no TensorFlow.js backend could be started: ${tried.map((t) => `${LABELS[t.name]}: ${t.why}`).join('; ')}`);
  }
  throw new UserInputError(
    `backend '${name}' cannot be used here: ${LABELS[name]} ${last.why}. ${REMEDIES[name]}.`,
    name,
    "'auto', or a backend available here",
  );
}

async function tryBackend(name: ConcreteBackendName): Promise<BackendAttempt> {
  try {
    switch (name) {
      case 'tensorflow-gpu':
        return await tryTensorflowGpu();
      case 'tensorflow':
        return await tryTensorflowCpu();
      case 'wasm': {
        const { simd, threads } = await startWasmBackend();
        return { name, ok: true, why: `loaded, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}` };
      }
      case 'cpu':
        if (!(await tf.setBackend('cpu'))) return { name, ok: false, why: 'did not start' };
        return { name, ok: true, why: 'pure JavaScript (slowest)' };
      default: {
        const unreachable: never = name;
        throw new Error(`unhandled backend ${String(unreachable)}`);
      }
    }
  } catch (e) {
    return { name, ok: false, why: `failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
}

/**
 * Starts the `tensorflow` backend on the engine's tfjs-core and checks that it computes:
 * [[1, 2], [3, 4]] squared is [[7, 10], [15, 22]]. Returns why not, or undefined when it runs.
 * (That the package uses the engine's tfjs-core at all, loadNativePackage checks before loading it.)
 */
async function startTensorflowBackend(): Promise<string | undefined> {
  if (tf.findBackend('tensorflow') === null) return 'loaded, but no tensorflow backend is registered on the engine\'s tfjs-core';
  if (!(await tf.setBackend('tensorflow'))) return 'loaded, but its backend did not start';
  const square = tf.tidy(() => {
    const m = tf.tensor2d([[1, 2], [3, 4]]);
    return Array.from(tf.matMul(m, m).dataSync());
  });
  if (square.join() !== '7,10,15,22') return `loaded, but it computed [[1, 2], [3, 4]] squared as [${square.join(', ')}], not [7, 10, 15, 22]`;
  registerReluGradient();
  registerNativeBatchNorm();
  registerNativeMaxPoolGrad();
  return undefined;
}

/** " from <folder>" when the native package came from the native folder (OOD_LENS_NATIVE_DIR). */
function nativeSource(): string {
  const folder = loadedNativeFolder();
  return folder ? ` from ${folder}` : '';
}

function isUsingGpu(): boolean {
  // NodeJSKernelBackend (tfjs-node / tfjs-node-gpu) has this flag; other backends do not.
  return (tf.backend() as tf.KernelBackend & { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
}

async function tryTensorflowGpu(): Promise<BackendAttempt> {
  const name = 'tensorflow-gpu';
  const loaded = loadedNativePackage();
  if (loaded === TFJS_NODE) return { name, ok: false, why: `not loadable: ${TFJS_NODE} is already loaded in this process, and only one TensorFlow backend can be` };
  if (loaded === null) {
    if (!isPackageInstalled(TFJS_NODE_GPU)) return { name, ok: false, why: 'not installed (optional dependency)' };
    // Loading the GPU package where there is no GPU would take the one 'tensorflow' slot
    // from tfjs-node for nothing, so look for a driver first.
    const gpu = probeNvidiaGpu();
    if (!gpu.found) return { name, ok: false, why: `installed, not loaded: ${gpu.evidence}` };
    const outcome = loadNativePackage(TFJS_NODE_GPU);
    if (!outcome.ok) return { name, ok: false, why: outcome.why };
  }
  const notStarted = await startTensorflowBackend();
  if (notStarted) return { name, ok: false, why: notStarted };
  if (!isUsingGpu()) {
    return { name, ok: false, why: 'loaded, but TensorFlow uses no GPU (it needs CUDA 11.2 and cuDNN 8.1)' };
  }
  return { name, ok: true, why: `loaded${nativeSource()}, using the GPU` };
}

async function tryTensorflowCpu(): Promise<BackendAttempt> {
  const name = 'tensorflow';
  const loaded: NativeTensorflowPackage | null = loadedNativePackage();
  if (loaded === TFJS_NODE_GPU) {
    // The GPU package is loaded but found no GPU; its TensorFlow runs on the CPU just as
    // tfjs-node's would, and tfjs-node cannot be loaded beside it.
    const notStarted = await startTensorflowBackend();
    if (notStarted) return { name, ok: false, why: `${TFJS_NODE_GPU} ${notStarted}` };
    return { name, ok: true, why: `using ${TFJS_NODE_GPU}'s TensorFlow on the CPU` };
  }
  const outcome = loadNativePackage(TFJS_NODE);
  if (!outcome.ok) return { name, ok: false, why: outcome.why };
  const notStarted = await startTensorflowBackend();
  if (notStarted) return { name, ok: false, why: notStarted };
  return { name, ok: true, why: `loaded${nativeSource()} (TensorFlow C library on the CPU)` };
}
