/**
 * A data-parallel worker (worker_threads): holds a copy of the model on its own tfjs backend and,
 * for each step, takes the current weights and its shard of the batch and sends back the shard's
 * mean loss, gradients and counts. It keeps no optimizer state: the main thread owns the weights.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend, tf, type BackendName } from '../backend';
import { getLoss, type LossEntry, type LossOptions } from '../losses';
import { buildModel } from '../models/registry';
import { setDropoutStep } from '../models/seededDropout';
import type { ModelSpec } from '../models/types';
import type { WorkerReply, WorkerRequest } from './dataParallel';
import { shardGradients } from './shardGradients';

let model: tf.LayersModel | undefined;
let variables: tf.Variable[] = [];
let loss: LossEntry | undefined;
let lossOptions: LossOptions = {};

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.type) {
    case 'init': {
      const info = await initBackend(request.backend as BackendName);
      model = buildModel(request.spec as ModelSpec);
      // LayerVariable keeps its tf.Variable in `val`, which the public typings do not expose.
      variables = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      loss = getLoss(request.loss);
      lossOptions = request.lossOptions;
      return { type: 'ready', backend: info.name };
    }
    case 'step': {
      if (!model || !loss) throw new Error('step before init');
      const currentModel = model;
      const currentLoss = loss;
      tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(request.weights[i], v.shape))));
      setDropoutStep(request.dropoutStep);
      const x = tf.tensor4d(request.x, request.xShape);
      const y = tf.tensor1d(request.y, 'int32');
      const r = shardGradients(currentModel, variables, x, y, currentLoss, lossOptions);
      // Copies: the message transfers these buffers, and a backend may hand out its own storage.
      const grads = await Promise.all(variables.map(async (v) => ((await r.grads[v.name].data()) as Float32Array).slice()));
      const reply: WorkerReply = {
        type: 'grads',
        value: (await r.value.data())[0],
        correct: (await r.correct.data())[0],
        normSum: (await r.normSum.data())[0],
        grads,
      };
      tf.dispose([x, y, r.value, r.correct, r.normSum, r.grads]);
      return reply;
    }
    default: {
      const unreachable: never = request;
      throw new Error(`unknown request ${JSON.stringify(unreachable)}`);
    }
  }
}

const port = parentPort;
if (!port) throw new Error('gradientWorker runs as a worker thread');
port.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (reply) => port.postMessage(reply, reply.type === 'grads' ? reply.grads.map((g) => g.buffer as ArrayBuffer) : []),
    (e: unknown) => port.postMessage({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) } satisfies WorkerReply),
  );
});
