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
 *
 * Small variables are updated together: consecutive variables are packed into groups of up to
 * GROUP_ELEMENTS values, and a group's update is the 8 ops above on the concatenation of its
 * weights and gradients, split back after (one momentum buffer per group). A small net's update
 * was 8 ops for each of its variables (LeNet: 10 variables, 80 ops of a few thousand values each,
 * where the cost is each op's dispatch, not its arithmetic); now it is one group. A variable
 * larger than a group is updated alone, without the copies, as before. A variable without a
 * gradient in a group of several is updated with a zero gradient (weight decay and momentum
 * still act), as PyTorch does for a zero gradient; alone, it is skipped.
 */
export class Sgd {
  /** Momentum buffers by group, for the variable list they were laid out for. */
  private groups: SgdGroup[] = [];
  private layout = '';

  constructor(readonly options: SgdOptions) {}

  /** Applies one step; `grads` maps variable names to gradients (not disposed here). */
  step(variables: tf.Variable[], grads: Record<string, tf.Tensor>, lr: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    for (const group of this.groupsFor(variables)) {
      const present = group.variables.map((v) => grads[v.name]);
      if (present.every((g) => g === undefined)) continue;
      tf.tidy(() => {
        const single = group.variables.length === 1;
        const w = single ? group.variables[0] : tf.concat(group.variables.map((v) => tf.reshape(v, [-1])));
        const grad = single ? present[0] : tf.concat(present.map((g, i) => (g === undefined ? tf.zeros([group.sizes[i]]) : tf.reshape(g, [-1]))));
        let g: tf.Tensor = weightDecay > 0 ? tf.add(grad, tf.mul(w, weightDecay)) : grad;
        if (momentum > 0) {
          if (!group.buffer) group.buffer = tf.variable(tf.zerosLike(w), false);
          const next = tf.add(tf.mul(group.buffer, momentum), g);
          group.buffer.assign(next);
          g = nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
        }
        const updated = tf.sub(w, tf.mul(g, lr));
        if (single) {
          group.variables[0].assign(updated);
          return;
        }
        const parts = tf.split(updated, group.sizes);
        group.variables.forEach((v, i) => v.assign(tf.reshape(parts[i], v.shape)));
      });
    }
  }

  /** The groups for `variables` (laid out on first use; the same list every step). */
  private groupsFor(variables: tf.Variable[]): SgdGroup[] {
    const layout = variables.map((v) => `${v.name}:${v.shape.join('x')}`).join(',');
    if (layout === this.layout) return this.groups;
    if (this.groups.some((g) => g.buffer)) {
      throw new Error(`SGD stepped with other variables than its momentum buffers were made for (${variables.length} variables)`);
    }
    this.layout = layout;
    this.groups = [];
    let current: SgdGroup | undefined;
    for (const v of variables) {
      const total = current ? current.sizes.reduce((a, b) => a + b, 0) : 0;
      if (!current || v.size > GROUP_ELEMENTS || total + v.size > GROUP_ELEMENTS) {
        current = { variables: [], sizes: [] };
        this.groups.push(current);
      }
      current.variables.push(v);
      current.sizes.push(v.size);
    }
    return this.groups;
  }

  /** Bytes of the momentum buffers allocated so far (none before the first step). */
  stateBytes(): number {
    let bytes = 0;
    for (const g of this.groups) if (g.buffer) bytes += g.buffer.size * 4;
    return bytes;
  }

  /** The momentum buffers in the order of `variables` (zeros where none exists yet), for a checkpoint. */
  state(variables: tf.Variable[]): { name: string; shape: number[]; values: Float32Array }[] {
    const byName = new Map<string, Float32Array>();
    for (const group of this.groupsFor(variables)) {
      if (!group.buffer) continue;
      const values = group.buffer.dataSync() as Float32Array;
      let offset = 0;
      group.variables.forEach((v, i) => {
        byName.set(v.name, values.slice(offset, offset + group.sizes[i]));
        offset += group.sizes[i];
      });
    }
    return variables.map((v) => ({ name: v.name, shape: v.shape.slice(), values: byName.get(v.name) ?? new Float32Array(v.size) }));
  }

  /** Restores buffers saved by state(), matched to `variables` by position (names differ across processes). */
  restore(variables: tf.Variable[], state: { name: string; shape: number[]; values: Float32Array }[]): void {
    if (state.length !== variables.length) {
      throw new Error(`optimizer state holds ${state.length} buffers, the model has ${variables.length} trainable variables`);
    }
    variables.forEach((v, i) => {
      if (state[i].shape.join('x') !== v.shape.join('x')) {
        throw new Error(`optimizer buffer ${i} (${state[i].name}) has shape ${state[i].shape}, variable ${v.name} has ${v.shape}`);
      }
    });
    this.dispose();
    const byVariable = new Map(variables.map((v, i) => [v.name, state[i].values]));
    for (const group of this.groupsFor(variables)) {
      const values = new Float32Array(group.sizes.reduce((a, b) => a + b, 0));
      let offset = 0;
      group.variables.forEach((v, i) => {
        values.set(byVariable.get(v.name) as Float32Array, offset);
        offset += group.sizes[i];
      });
      group.buffer = tf.variable(group.variables.length === 1 ? tf.tensor(values, group.variables[0].shape) : tf.tensor1d(values), false);
    }
  }

  dispose(): void {
    for (const g of this.groups) {
      g.buffer?.dispose();
      g.buffer = undefined;
    }
  }
}

/** Variables updated together, with their sizes and (after the first step) their momentum buffer. */
interface SgdGroup {
  variables: tf.Variable[];
  sizes: number[];
  buffer?: tf.Variable;
}

/** The most values a group of several variables holds (4 MiB of float32 per temporary). */
const GROUP_ELEMENTS = 1 << 20;
