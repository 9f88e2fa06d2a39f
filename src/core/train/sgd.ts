import * as tf from '@tensorflow/tfjs';

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

/**
 * SGD with momentum and L2 weight decay, PyTorch's semantics (the paper's code uses torch.optim.SGD):
 *   g = grad + wd * w;  b = momentum * b + g;  step = nesterov ? g + momentum * b : b;  w -= lr * step
 * Written here rather than tf.train.momentum so the weight decay matches PyTorch and the momentum
 * buffers can be saved and restored by name on resume.
 */
export class Sgd {
  private readonly buffers = new Map<string, tf.Variable>();

  constructor(readonly options: SgdOptions) {}

  /** Applies one step; `grads` maps variable names to gradients (not disposed here). */
  step(variables: tf.Variable[], grads: Record<string, tf.Tensor>, lr: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    // One tidy per variable: the temporaries of one variable's update are freed before the next,
    // so the step holds a few tensors the size of the largest variable, not of all of them.
    for (const v of variables) {
      const grad = grads[v.name];
      if (!grad) continue;
      tf.tidy(() => {
        let g: tf.Tensor = weightDecay > 0 ? tf.add(grad, tf.mul(v, weightDecay)) : grad;
        if (momentum > 0) {
          let buffer = this.buffers.get(v.name);
          if (!buffer) {
            buffer = tf.variable(tf.zerosLike(v), false);
            this.buffers.set(v.name, buffer);
          }
          const next = tf.add(tf.mul(buffer, momentum), g);
          buffer.assign(next);
          g = nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
        }
        v.assign(tf.sub(v, tf.mul(g, lr)));
      });
    }
  }

  /** Bytes of the momentum buffers allocated so far (none before the first step). */
  stateBytes(): number {
    let bytes = 0;
    for (const b of this.buffers.values()) bytes += b.size * 4;
    return bytes;
  }

  /** The momentum buffers in the order of `variables` (zeros where none exists yet), for a checkpoint. */
  state(variables: tf.Variable[]): { name: string; shape: number[]; values: Float32Array }[] {
    return variables.map((v) => {
      const b = this.buffers.get(v.name);
      return { name: v.name, shape: v.shape.slice(), values: b ? (b.dataSync() as Float32Array) : new Float32Array(v.size) };
    });
  }

  /** Restores buffers saved by state(), matched to `variables` by position (names differ across processes). */
  restore(variables: tf.Variable[], state: { name: string; shape: number[]; values: Float32Array }[]): void {
    if (state.length !== variables.length) {
      throw new Error(`optimizer state holds ${state.length} buffers, the model has ${variables.length} trainable variables`);
    }
    this.dispose();
    variables.forEach((v, i) => {
      if (state[i].shape.join('x') !== v.shape.join('x')) {
        throw new Error(`optimizer buffer ${i} (${state[i].name}) has shape ${state[i].shape}, variable ${v.name} has ${v.shape}`);
      }
      this.buffers.set(v.name, tf.variable(tf.tensor(state[i].values, v.shape), false));
    });
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
