/**
 * Tile for the wasm backend, replacing the shipped one, which computes every output element's
 * source index one at a time: in a batch-norm network's backward pass tfjs-core's FusedBatchNorm
 * gradient tiles the per-channel statistics up to the activation's shape ([1,1,1,C] -> [N,H,W,C])
 * and the shipped Tile was the largest single cost of a CNN training step (256 of 670 ms at
 * batch 128). This one copies blocks: each innermost row once, then every tiled block is doubled
 * with copyWithin until it fills its repetitions, so the work is memory copies.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelArgs } from './wasmKernelCalls';

type TileInputs = { x: tf.TensorInfo };
type AnyTypedArray = Float32Array | Int32Array | Uint8Array;

/** Repeats dst[start, start + block) `times` times in place, doubling the copied span. */
function replicate(dst: AnyTypedArray, start: number, block: number, times: number): void {
  const total = block * times;
  let filled = block;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(start + filled, start, start + n);
    filled += n;
  }
}

export function wasmTile(args: KernelArgs<TileInputs, tf.TileAttrs>): tf.TensorInfo {
  // This kernel is registered for the wasm backend only, so the engine hands it that backend.
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs;
  const { reps } = args.attrs;
  const inShape = x.shape;
  const rank = inShape.length;
  const outShape = inShape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  // Views of the wasm heap, taken after the last allocation (a growing heap detaches them).
  const src = backend.typedArrayFromHeap(x) as AnyTypedArray;
  const dst = backend.typedArrayFromHeap(out) as AnyTypedArray;
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  const inStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  inStride[rank - 1] = 1;
  outStride[rank - 1] = 1;
  for (let a = rank - 2; a >= 0; a--) {
    inStride[a] = inStride[a + 1] * inShape[a + 1];
    outStride[a] = outStride[a + 1] * outShape[a + 1];
  }
  // Writes the tiled block of the input sub-array at inOffset (all axes from `axis` on) at outOffset.
  const fill = (axis: number, inOffset: number, outOffset: number): void => {
    const d = inShape[axis];
    if (axis === rank - 1) {
      dst.set(src.subarray(inOffset, inOffset + d), outOffset);
    } else {
      for (let i = 0; i < d; i++) fill(axis + 1, inOffset + i * inStride[axis], outOffset + i * outStride[axis]);
    }
    // Output index along `axis` is rep * d + i, so one repetition is d * outStride[axis] long.
    replicate(dst, outOffset, d * outStride[axis], reps[axis]);
  };
  fill(0, 0, 0);
  return out;
}

export const wasmTileConfig: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  // The engine calls kernel functions with NamedTensorInfoMap/NamedAttrMap; ours declares the
  // exact inputs and attributes tfjs passes to this kernel.
  kernelFunc: wasmTile as unknown as tf.KernelFunc,
};
