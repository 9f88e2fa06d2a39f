/**
 * `npm run bench -- profile-step [--backend tensorflow] [--archs lenet,cnn] [--batch 128] [--steps 5]`
 *
 * Where a training step's time goes: the step (forward, LogitNorm loss, backward, SGD momentum)
 * is run under tf.profile after two warm-up steps, and the time of every kernel (the backend's
 * own timer: on tfjs-node and wasm, the wall time of the kernel's synchronous call) is summed by
 * kernel name over the profiled steps (a kernel made of other ops counts only its own time, its
 * ops count in their rows). The rest of the step's wall time (tfjs's JavaScript:
 * the tape, gradient functions, tidy, dispatch) is printed as its own line. Kernel timings under
 * the profiler cost a little themselves, so the profiled step is slower than a bare one; the
 * bare step's median is printed too.
 */
import { parseArgs } from 'node:util';
import { initBackend, tf, type BackendName } from '../core/backend';
import { getLoss } from '../core/losses';
import { buildModel } from '../core/models/registry';
import { shardGradients } from '../core/train/shardGradients';
import { Sgd } from '../core/train/sgd';
import { trainableVariables } from '../core/train/trainer';

const INPUT: Record<string, [number, number, number]> = { mlp: [28, 28, 1], lenet: [28, 28, 1], cnn: [28, 28, 1] };

/** A profiled kernel, with the depth it ran at (0: called by the step, 1: inside another kernel). */
type DepthKernel = { name: string; kernelTimeMs: number | { error: string } | Promise<number | { error: string }>; depth?: number };

/**
 * Marks each kernel the profiler records with the engine's kernel depth at that moment. A kernel
 * that runs other ops (OOD Lens's FusedBatchNorm on tfjs-node is x * a + c in four ops) is
 * recorded after its inner kernels, and its time includes theirs; the depth tells them apart.
 * Reads tfjs-core's engine state (a bench tool: no public API says this).
 */
function recordKernelDepth(): void {
  const engine = tf.engine() as unknown as { state: { kernelDepth: number; activeProfile: { kernels: DepthKernel[] } } };
  const kernels = engine.state.activeProfile.kernels;
  kernels.push = (...items: DepthKernel[]) => {
    for (const item of items) item.depth = engine.state.kernelDepth;
    return Array.prototype.push.apply(kernels, items);
  };
}

/** Each kernel's own time: its time less that of the kernels that ran inside it. */
function selfTimes(kernels: DepthKernel[]): { name: string; selfMs: number }[] {
  const inner: number[] = [];
  return kernels.map((k) => {
    const depth = k.depth ?? 0;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const selfMs = ms - (inner[depth + 1] ?? 0);
    inner[depth + 1] = 0;
    inner[depth] = (inner[depth] ?? 0) + ms;
    return { name: k.name, selfMs };
  });
}

export async function profileStep(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { backend: { type: 'string' }, archs: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' }, top: { type: 'string' } } });
  const info = await initBackend((values.backend ?? 'tensorflow') as BackendName);
  const batch = Number(values.batch ?? 128);
  const steps = Number(values.steps ?? 5);
  const top = Number(values.top ?? 12);
  console.log(`# training step profile on ${info.name} (${info.reason}), batch ${batch}, ${steps} profiled steps after 2 warm-up\n`);
  for (const arch of (values.archs ?? 'lenet,cnn').split(',')) {
    const shape = INPUT[arch] ?? [32, 32, 3];
    const model = buildModel({ arch, inputShape: shape, numClasses: 10, seed: 1, dropout: 0 });
    const variables = trainableVariables(model);
    const sgd = new Sgd({ momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
    const loss = getLoss('logitnorm');
    const x = tf.tidy(() => tf.randomNormal([batch, ...shape], 0, 1, 'float32', 3) as tf.Tensor4D);
    const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
    const step = async () => {
      const r = shardGradients(model, variables, x, y, loss, { tau: 0.04 });
      await r.value.data();
      sgd.step(variables, r.grads, 0.01);
      await variables[0].data();
      tf.dispose([r.value, r.grads, r.correct, r.normSum]);
    };
    const bare: number[] = [];
    for (let i = 0; i < 2 + steps; i++) {
      const t0 = process.hrtime.bigint();
      await step();
      if (i >= 2) bare.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const byKernel = new Map<string, { ms: number; calls: number }>();
    let wall = 0;
    for (let i = 0; i < steps; i++) {
      const t0 = process.hrtime.bigint();
      const profile = await tf.profile(async () => {
        recordKernelDepth();
        await step();
      });
      wall += Number(process.hrtime.bigint() - t0) / 1e6;
      for (const k of selfTimes(profile.kernels as DepthKernel[])) {
        const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        entry.ms += k.selfMs;
        entry.calls += 1;
        byKernel.set(k.name, entry);
      }
    }
    const kernelMs = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
    bare.sort((a, b) => a - b);
    console.log(`## ${arch}: bare step ${bare[Math.floor(bare.length / 2)].toFixed(1)} ms (median); profiled step ${(wall / steps).toFixed(1)} ms, of which kernels ${(kernelMs / steps).toFixed(1)} ms in ${[...byKernel.values()].reduce((s, e) => s + e.calls, 0) / steps} calls\n`);
    console.log('| kernel | ms a step | calls a step | share of the profiled step |');
    console.log('|---|---|---|---|');
    const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
    for (const [name, e] of rows.slice(0, top)) console.log(`| ${name} | ${(e.ms / steps).toFixed(2)} | ${e.calls / steps} | ${((100 * e.ms) / wall).toFixed(1)}% |`);
    const rest = rows.slice(top).reduce((s, [, e]) => s + e.ms, 0);
    console.log(`| ${rows.length - Math.min(top, rows.length)} other kernels | ${(rest / steps).toFixed(2)} | | ${((100 * rest) / wall).toFixed(1)}% |`);
    console.log(`| outside kernels (JavaScript: tape, gradients, tidy, dispatch) | ${((wall - kernelMs) / steps).toFixed(2)} | | ${((100 * (wall - kernelMs)) / wall).toFixed(1)}% |\n`);
    tf.dispose([x, y]);
    sgd.dispose();
    model.dispose();
  }
}
