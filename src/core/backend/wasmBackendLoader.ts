/**
 * Loads the WebAssembly backend lazily. Importing its package registers it as the
 * highest-priority backend, after which any op before `setBackend` throws, so it is required
 * here, on demand, and never imported at the top of a module.
 */
import { dirname, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './registerWasmTrainingKernels';
import { guardWasmHeap } from './memoryLimit';

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
let wasmPackage: WasmPackage | null = null;

export interface WasmBackendFacts {
  simd: boolean;
  threads: number;
}

/**
 * Registers the wasm backend (with our training kernels) and makes it the current backend.
 * Throws when it cannot be loaded or started.
 */
export async function startWasmBackend(): Promise<WasmBackendFacts> {
  if (wasmPackage === null) {
    const loaded = require('@tensorflow/tfjs-backend-wasm') as WasmPackage;
    // The .wasm files sit beside the package's main file (dist/). Resolving them from the
    // installed package works from the esbuild bundles (node_modules external) and from tsx.
    loaded.setWasmPaths(dirname(require.resolve(WASM_PACKAGE)) + sep);
    registerWasmTrainingKernels();
    wasmPackage = loaded;
  }
  const started = await tf.setBackend('wasm');
  if (!started) throw new Error('the WebAssembly module did not start (see the warning above)');
  // A full heap is an error at the allocation, not a tensor written over address 0.
  guardWasmHeap(tf.backend());
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { simd, threads: wasmPackage.getThreadsCount() };
}
