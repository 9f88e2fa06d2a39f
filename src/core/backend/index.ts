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
import { registerReluGradient } from './nativeReluGradient';
import { UserInputError } from '../errors';
import {
  NativeTensorflowPackage,
  TFJS_NODE,
  TFJS_NODE_GPU,
  isPackageInstalled,
  loadNativePackage,
  loadedNativePackage,
} from './nativeTensorflowPackages';
import { probeNvidiaGpu } from './nvidiaGpuProbe';
import { startWasmBackend } from './wasmBackendLoader';

export { tf };

export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ConcreteBackendName = Exclude<BackendName, 'auto'>;

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

/** Names used in the reason line: the packages a user would install. */
const LABELS: Record<ConcreteBackendName, string> = {
  'tensorflow-gpu': 'tfjs-node-gpu',
  tensorflow: 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** What a user can do when an explicitly chosen backend cannot be used. */
const REMEDIES: Record<ConcreteBackendName, string> = {
  'tensorflow-gpu':
    `It needs ${TFJS_NODE_GPU}@4.22.0 (npm install ${TFJS_NODE_GPU}@4.22.0; its install downloads libtensorflow, ` +
    "so it needs internet access), Linux or Windows with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1. Or choose backend 'auto', 'tensorflow', 'wasm' or 'cpu'",
  tensorflow:
    `Install ${TFJS_NODE}@4.22.0 (npm install ${TFJS_NODE}@4.22.0; its install downloads libtensorflow, so it needs ` +
    "internet access), or choose backend 'auto', 'wasm' or 'cpu'",
  wasm: "Reinstall the dependencies (npm ci) so @tensorflow/tfjs-backend-wasm and its .wasm files are present, or choose backend 'cpu'",
  cpu: 'This is a bug: the pure-JavaScript backend ships with @tensorflow/tfjs',
};

const AUTO_ORDER: ConcreteBackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Results of the last successful call per requested name, so a repeat call is cheap. */
const lastInfo = new Map<BackendName, BackendInfo>();

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

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

async function startTensorflowBackend(): Promise<boolean> {
  const started = tf.findBackend('tensorflow') !== null && (await tf.setBackend('tensorflow'));
  if (started) {
    registerReluGradient();
    registerNativeBatchNorm();
  }
  return started;
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
  if (!(await startTensorflowBackend())) return { name, ok: false, why: 'loaded, but its backend did not start' };
  if (!isUsingGpu()) {
    return { name, ok: false, why: 'loaded, but TensorFlow uses no GPU (it needs CUDA 11.2 and cuDNN 8.1)' };
  }
  return { name, ok: true, why: 'loaded, using the GPU' };
}

async function tryTensorflowCpu(): Promise<BackendAttempt> {
  const name = 'tensorflow';
  const loaded: NativeTensorflowPackage | null = loadedNativePackage();
  if (loaded === TFJS_NODE_GPU) {
    // The GPU package is loaded but found no GPU; its TensorFlow runs on the CPU just as
    // tfjs-node's would, and tfjs-node cannot be loaded beside it.
    if (!(await startTensorflowBackend())) return { name, ok: false, why: `${TFJS_NODE_GPU}'s backend did not start` };
    return { name, ok: true, why: `using ${TFJS_NODE_GPU}'s TensorFlow on the CPU` };
  }
  const outcome = loadNativePackage(TFJS_NODE);
  if (!outcome.ok) return { name, ok: false, why: outcome.why };
  if (!(await startTensorflowBackend())) return { name, ok: false, why: 'loaded, but its backend did not start' };
  return { name, ok: true, why: 'loaded (TensorFlow C library on the CPU)' };
}
