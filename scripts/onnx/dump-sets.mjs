// Writes the exact images `ood-lens evaluate MODEL.onnx` scores (ID test, the ID train sample the
// fitted scorers learn from, each OOD set) as raw uint8 NHWC files plus a JSON header each, so
// another framework (scripts/onnx/cifar10_reference.py measure) scores the same pixels.
// usage: node scripts/onnx/dump-sets.mjs OUT_DIR --dataset NAME_OR_FOLDER --ood a,b,c [--size 32x32] [--channels 3]
//        [--ood-count 10000] [--fit-samples 5000] [--seed 1] [--mnist-folder DIR N]
// --mnist-folder first writes N MNIST test digits as PNG files into DIR (an image-folder OOD set).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
const core = require('../../dist/core.js');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dataset: { type: 'string' },
    ood: { type: 'string', default: 'gaussian,uniform' },
    size: { type: 'string', default: '32x32' },
    channels: { type: 'string', default: '3' },
    'ood-count': { type: 'string', default: '10000' },
    'fit-samples': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    'mnist-folder': { type: 'string' },
    'mnist-count': { type: 'string', default: '2000' },
  },
});
const out = positionals[0];
fs.mkdirSync(out, { recursive: true });
if (values['mnist-folder']) {
  const mnist = await core.loadDataset('mnist', { log: console.error });
  const dir = values['mnist-folder'];
  fs.mkdirSync(dir, { recursive: true });
  const n = Number(values['mnist-count']);
  for (let i = 0; i < n; i++) {
    const png = new PNG({ width: 28, height: 28, colorType: 0 });
    for (let p = 0; p < 784; p++) {
      const v = mnist.test.images[i * 784 + p];
      png.data.set([v, v, v, 255], 4 * p);
    }
    fs.writeFileSync(path.join(dir, `${String(i).padStart(5, '0')}.png`), PNG.sync.write(png));
  }
  console.error(`wrote ${n} MNIST test digits to ${dir}`);
}
const [height, width] = values.size.split('x').map(Number);
const pre = { layout: 'nchw', height, width, channels: Number(values.channels), mean: [0, 0, 0], std: [1, 1, 1], sources: {} };
const data = await core.imported.loadImportedData(pre, {
  dataset: values.dataset,
  oodSets: values.ood.split(','),
  oodCount: Number(values['ood-count']),
  fitSamples: Number(values['fit-samples']),
  seed: Number(values.seed),
  log: console.error,
});
const write = (name, set) => {
  fs.writeFileSync(path.join(out, `${name}.u8`), set.images);
  fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify({ name: set.name, count: set.count, height: set.height, width: set.width, channels: set.channels, labels: Array.from(set.labels) }));
  console.error(`${name}: ${set.count} images (${set.name})`);
};
write('id-test', data.idTest);
write('fit', data.fitSample);
values.ood.split(',').forEach((name, i) => write(['gaussian', 'uniform'].includes(name) ? name : 'folder', data.oodSets[i]));
