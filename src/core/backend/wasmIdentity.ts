/**
 * Identity (tf.clone) on wasm as a second reference to the same heap memory, as the pure-JS
 * backend and wasm's own Reshape do, instead of wasm's shipped kernel, which allocates and copies.
 * tfjs-core clones every tensor a gradient will need (Engine.saveTensorsForBackwardMode), so on
 * wasm each of those was a full copy: 93 copies and 26 ms of a 380 ms step of the batch-norm CNN
 * at batch 128 (npm run bench -- profile-step --backend wasm), and their bytes in the tape's
 * memory. Tensors are never written in place, so sharing gives the same values; the memory is
 * freed when its last reference is disposed (the backend counts references per data id).
 */
import * as tf from '@tensorflow/tfjs';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

export function makeWasmIdentityConfig(shipped: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      // Strings do not live on the heap; the shipped kernel handles them.
      if (x.dtype === 'string') return shipped.kernelFunc(args);
      (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
