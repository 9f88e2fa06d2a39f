/**
 * Makes the wasm backend able to train conv nets, and faster at it: adds the kernels it lacks
 * and replaces the slow scalar-loop ones it ships where a composition of its fast kernels
 * gives the same numbers. Runs once per process; the shipped configs are kept so the
 * replacements can fall back on them.
 */
import * as tf from '@tensorflow/tfjs';
import { makeWasmBatchMatMulConfig } from './wasmBatchMatMul';
import { wasmConv2dBackpropFilterConfig } from './wasmConv2dBackpropFilter';
import { makeWasmConv2dBackpropInputConfig } from './wasmConv2dBackpropInput';
import { wasmMaxPoolGradConfig } from './wasmMaxPoolGrad';
import { wasmTileConfig } from './wasmTile';
import { makeWasmMeanConfig, makeWasmSumConfig } from './wasmLeadingAxesReduce';
import { scaleShiftBatchNormConfig } from './scaleShiftBatchNorm';
import { makeWasmIdentityConfig } from './wasmIdentity';

/** Kernels wasm lacks, which we add. */
const ADDED: tf.KernelConfig[] = [wasmConv2dBackpropFilterConfig];

/**
 * Kernels wasm ships slow (or, MaxPoolGrad, wrong; Tile, batch norm's backward pass, element by element;
 * Sum and Mean over leading axes, through a whole transpose; FusedBatchNorm, 3x slower than x * a + c; Identity, a copy of every
 * tensor the gradient tape saves), with the function that builds our
 * replacement from the shipped one (some fall back on it for cases they do not cover).
 */
const REPLACEMENTS: Record<string, (shipped: tf.KernelConfig) => tf.KernelConfig> = {
  [tf.Conv2DBackpropInput]: makeWasmConv2dBackpropInputConfig,
  [tf.BatchMatMul]: makeWasmBatchMatMulConfig,
  [tf.MaxPoolGrad]: () => wasmMaxPoolGradConfig,
  [tf.Tile]: () => wasmTileConfig,
  [tf.Sum]: makeWasmSumConfig,
  [tf.Mean]: makeWasmMeanConfig,
  [tf.FusedBatchNorm]: () => scaleShiftBatchNormConfig('wasm'),
  [tf.Identity]: makeWasmIdentityConfig,
};

/** Names of the kernels this module adds and replaces. */
export const WASM_KERNELS_ADDED: readonly string[] = ADDED.map((config) => config.kernelName);
export const WASM_KERNELS_REPLACED: readonly string[] = Object.keys(REPLACEMENTS);

let registered = false;
/** wasm's own configs of the kernels we replaced, by kernel name. */
const shippedKernels = new Map<string, tf.KernelConfig>();

/** wasm's own config of a kernel we replaced (for comparisons and measurements). */
export function shippedWasmKernel(kernelName: string): tf.KernelConfig | undefined {
  return shippedKernels.get(kernelName);
}

/** Registers our wasm kernels. Call after the wasm package is loaded; a second call does nothing. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  if (tf.getKernelsForBackend('wasm').length === 0) {
    throw new Error('the wasm backend package must be loaded before its kernels are extended');
  }
  for (const config of ADDED) {
    // A later tfjs release may ship the kernel itself; then keep its own.
    if (tf.getKernel(config.kernelName, 'wasm') == null) tf.registerKernel(config);
  }
  for (const [kernelName, makeReplacement] of Object.entries(REPLACEMENTS)) {
    const shipped = tf.getKernel(kernelName, 'wasm');
    if (shipped == null) continue;
    shippedKernels.set(kernelName, shipped);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(makeReplacement(shipped));
  }
  registered = true;
}
