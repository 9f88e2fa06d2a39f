import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/core/backend';
import { buildModel, countTrainableParams } from '../../../src/core/models/registry';
import { CIFAR_SHAPE, MNIST_SHAPE } from './modelTestInputs';

before(async () => {
  await initBackend('wasm');
});

function trainableParams(arch: string, inputShape: [number, number, number], numClasses = 10): number {
  const model = buildModel({ arch, inputShape, numClasses, seed: 1 });
  const count = countTrainableParams(model);
  model.dispose();
  return count;
}

// Worked out by hand (a conv k x k, in -> out, has k*k*in*out weights (+ out biases);
// a dense in -> out has in*out + out; a batch norm over c channels trains 2c (gamma, beta),
// its moving mean and variance are not trainable).

test('mlp 784-256-256-10 has 269,322 trainable parameters', () => {
  // fc1     784*256 + 256 = 200,960
  // fc2     256*256 + 256 =  65,792
  // logits  256*10  + 10  =   2,570
  assert.equal(trainableParams('mlp', MNIST_SHAPE), 200_960 + 65_792 + 2_570);
  assert.equal(200_960 + 65_792 + 2_570, 269_322);
  // On 32x32x3 only fc1 changes: 3072*256 + 256 = 786,688.
  assert.equal(trainableParams('mlp', CIFAR_SHAPE), 786_688 + 65_792 + 2_570);
});

test('lenet has 61,706 trainable parameters on MNIST', () => {
  // conv1   5*5*1*6  + 6   =    156   (28x28 padded by 2 -> 28x28x6, pool -> 14x14x6)
  // conv2   5*5*6*16 + 16  =  2,416   (-> 10x10x16, pool -> 5x5x16 = 400)
  // fc1     400*120  + 120 = 48,120
  // fc2     120*84   + 84  = 10,164
  // logits  84*10    + 10  =    850
  assert.equal(trainableParams('lenet', MNIST_SHAPE), 156 + 2_416 + 48_120 + 10_164 + 850);
  assert.equal(156 + 2_416 + 48_120 + 10_164 + 850, 61_706);
  // On 32x32x3 (no padding, also 28x28x6 after conv1) only conv1 changes: 5*5*3*6 + 6 = 456.
  assert.equal(trainableParams('lenet', CIFAR_SHAPE), 456 + 2_416 + 48_120 + 10_164 + 850);
});

test('cnn has 421,738 trainable parameters on MNIST', () => {
  // conv1   3*3*1*32          =     288   (no bias: the batch norm after it has a beta)
  // bn1     2*32              =      64
  // conv2   3*3*32*64         =  18,432
  // bn2     2*64              =     128
  // fc1     (7*7*64)*128 + 128 = 401,536  (28 -> pool 14 -> pool 7)
  // logits  128*10 + 10       =   1,290
  assert.equal(trainableParams('cnn', MNIST_SHAPE), 288 + 64 + 18_432 + 128 + 401_536 + 1_290);
  assert.equal(288 + 64 + 18_432 + 128 + 401_536 + 1_290, 421_738);
  // On 32x32x3: conv1 3*3*3*32 = 864, fc1 (8*8*64)*128 + 128 = 524,416.
  assert.equal(trainableParams('cnn', CIFAR_SHAPE), 864 + 64 + 18_432 + 128 + 524_416 + 1_290);
});

test('cnn-bn has 468,138 trainable parameters on MNIST', () => {
  // conv1   3*3*1*32           =     288   (no conv bias: each batch norm adds its own beta)
  // bn1     2*32               =      64
  // conv2   3*3*32*32          =   9,216
  // bn2     2*32               =      64
  // conv3   3*3*32*64          =  18,432   (after pool1: 14x14x32)
  // bn3     2*64               =     128
  // conv4   3*3*64*64          =  36,864
  // bn4     2*64               =     128
  // fc1     (7*7*64)*128       = 401,408   (no bias: the batch norm after it)
  // bn_fc1  2*128              =     256
  // logits  128*10 + 10        =   1,290
  const mnist = 288 + 64 + 9_216 + 64 + 18_432 + 128 + 36_864 + 128 + 401_408 + 256 + 1_290;
  assert.equal(mnist, 468_138);
  assert.equal(trainableParams('cnn-bn', MNIST_SHAPE), mnist);
  // On 32x32x3: conv1 3*3*3*32 = 864, fc1 (8*8*64)*128 = 524,288.
  assert.equal(trainableParams('cnn-bn', CIFAR_SHAPE), mnist - 288 + 864 - 401_408 + 524_288);
});

test('cnn-bn has batch norm and ReLU right before the logits; cnn does not', () => {
  for (const [arch, expected] of [['cnn-bn', ['BatchNormalization', 'Activation']], ['cnn', ['Flatten', 'Dense']]] as const) {
    const model = buildModel({ arch, inputShape: MNIST_SHAPE, numClasses: 10, seed: 1 });
    // The logits layer is the last; the two layers before it in the chain are named below.
    const names = model.layers.map((layer) => layer.getClassName());
    assert.equal(model.layers.at(-1)?.name, 'logits');
    assert.deepEqual(names.slice(-3, -1), expected, `${arch}: ${names.join(' ')}`);
    model.dispose();
  }
});

// The big networks against the counts of the PyTorch code the paper and its baselines use
// (sum of p.numel() for p in model.parameters() if p.requires_grad), 10 classes, 32x32x3.
const PUBLISHED_CIFAR10_COUNTS: Record<string, number> = {
  'wrn-40-2': 2_243_546,
  resnet18: 11_173_962,
  resnet34: 21_282_122,
  'densenet-bc-100': 769_162,
};

for (const [arch, published] of Object.entries(PUBLISHED_CIFAR10_COUNTS)) {
  test(`${arch} has the published ${published.toLocaleString('en')} trainable parameters for CIFAR-10`, () => {
    assert.equal(trainableParams(arch, CIFAR_SHAPE), published);
  });
}

test('the class count changes only the logits layer', () => {
  // wrn-40-2 features are 128 wide: 100 classes add 90*128 + 90 parameters to the 10-class count.
  assert.equal(trainableParams('wrn-40-2', CIFAR_SHAPE, 100), 2_243_546 + 90 * 128 + 90);
});

test('countTrainableParams leaves out batch norm moving statistics', () => {
  const model = buildModel({ arch: 'cnn', inputShape: MNIST_SHAPE, numClasses: 10, seed: 1 });
  // countParams() counts every weight: 421,738 trainable + 2*(32 + 64) moving mean/variance.
  assert.equal(model.countParams(), 421_738 + 2 * (32 + 64));
  assert.equal(countTrainableParams(model), 421_738);
  model.dispose();
});
