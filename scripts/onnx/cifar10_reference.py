"""PyTorch side of OOD Lens's imported-model (ONNX) checks. Needs only torch, numpy and PIL
(Debian: apt-get install python3-torch python3-pil).

  fixture  writes the fixture again from a model.pt that `train` saved (same options)
  train    trains a small CNN on CIFAR-10 JPEGs (a folder with train/<class>/ and test/<class>/),
           exports it to ONNX (NCHW, CIFAR-10 mean/std, dynamic batch), and writes the test
           fixture: a few ID images and noise images as PNG (lossless, so both sides read the same
           pixels) and PyTorch's own scores and metrics on them (expected.json).
  measure  reads raw uint8 image dumps (scripts/onnx/dump-sets.mjs writes them: exactly the pixels
           `ood-lens evaluate` scores) and computes the same scores and metrics in PyTorch, plus
           PyTorch's inference images/s on the same model.

Every formula here is written from the papers, independently of the TypeScript engine:
MSP, MaxLogit, Energy (T logsumexp(f/T)), ODIN without input perturbation (max softmax at T=1000),
GradNorm (||dKL(u||softmax(f))/dW||_1 taken by autograd, not the closed form), ReAct (clip at the
90th percentile of ID activations, energy), KNN (minus the distance to the k-th nearest normalised
ID feature), Mahalanobis (class means, shared covariance, minus the smallest distance).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from small_cifar_net import SmallCifarNet  # noqa: E402

CIFAR10_MEAN = [0.4914, 0.4822, 0.4465]
CIFAR10_STD = [0.2470, 0.2435, 0.2616]


def read_folder(root):
    """Images of <root>/<class>/<file> in sorted class, then file order (as OOD Lens reads them)."""
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and not d.startswith('.'))
    images, labels = [], []
    for label, name in enumerate(classes):
        for f in sorted(os.listdir(os.path.join(root, name))):
            if f.lower().endswith(('.png', '.jpg', '.jpeg')):
                images.append(np.asarray(Image.open(os.path.join(root, name, f)).convert('RGB'), dtype=np.uint8))
                labels.append(label)
    return np.stack(images), np.array(labels, dtype=np.int64), classes


def to_input(images_u8):
    """uint8 NHWC -> normalised float32 NCHW, x = (byte / 255 - mean) / std."""
    x = torch.from_numpy(images_u8.astype(np.float32) / 255.0)
    x = (x - torch.tensor(CIFAR10_MEAN)) / torch.tensor(CIFAR10_STD)
    return x.permute(0, 3, 1, 2).contiguous()


def train(args):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    images, labels, classes = read_folder(os.path.join(args.data, 'train'))
    print(f'{len(images)} training images, classes {classes}', flush=True)
    x_all = to_input(images)
    y_all = torch.from_numpy(labels)
    net = SmallCifarNet()
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    steps = args.epochs * ((len(images) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(len(images))
        total, correct, started = 0.0, 0, time.time()
        for start in range(0, len(images), args.batch):
            idx = order[start:start + args.batch]
            x = x_all[idx]
            # random horizontal flip and 4-pixel shifted crop
            flip = torch.rand(len(idx)) < 0.5
            x[flip] = x[flip].flip(3)
            x = F.pad(x, (4, 4, 4, 4))
            dx, dy = np.random.randint(0, 9, size=2)
            x = x[:, :, dy:dy + 32, dx:dx + 32]
            logits = net(x)
            loss = F.cross_entropy(logits, y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            correct += (logits.argmax(1) == y_all[idx]).sum().item()
        print(f'epoch {epoch + 1}: loss {total / len(images):.3f}, train acc {100 * correct / len(images):.1f}%, {time.time() - started:.0f} s', flush=True)
    net.eval()
    test_images, test_labels, _ = read_folder(os.path.join(args.data, 'test'))
    with torch.no_grad():
        acc = (net(to_input(test_images)).argmax(1).numpy() == test_labels).mean()
    print(f'test accuracy {100 * acc:.2f}% on {len(test_images)} images', flush=True)
    torch.save(net.state_dict(), os.path.join(args.out, 'model.pt'))
    torch.onnx.export(net, torch.zeros(1, 3, 32, 32), os.path.join(args.out, 'model.onnx'), input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13, do_constant_folding=True)
    print(f'wrote {os.path.join(args.out, "model.onnx")} ({os.path.getsize(os.path.join(args.out, "model.onnx"))} bytes)', flush=True)
    if args.fixture:
        write_fixture(net, args, classes)


def write_fixture(net, args, classes):
    """A few ID images (PNG) per class for train/ and test/, noise images as an OOD folder, and expected.json."""
    rng = np.random.default_rng(args.seed)
    root = args.fixture
    # More train images than feature dims (64), so the Mahalanobis covariance has full rank.
    for split, per_class in (('train', args.train_per_class), ('test', args.per_class)):
        images, labels, _ = read_folder(os.path.join(args.data, split))
        for c, name in enumerate(classes):
            folder = os.path.join(root, 'id', split, name)
            os.makedirs(folder, exist_ok=True)
            for j, i in enumerate(np.flatnonzero(labels == c)[:per_class]):
                Image.fromarray(images[i]).save(os.path.join(folder, f'{j:02d}.png'))
    ood = os.path.join(root, 'ood')
    os.makedirs(ood, exist_ok=True)
    for j in range(args.ood_images):
        noise = np.clip(rng.normal(0.5, 0.25, size=(32, 32, 3)), 0, 1)
        Image.fromarray(np.round(255 * noise).astype(np.uint8)).save(os.path.join(ood, f'{j:02d}.png'))
    import shutil
    shutil.copy(os.path.join(args.out, 'model.onnx'), os.path.join(root, 'model.onnx'))
    # Read back what was written, so the expected values come from exactly the PNG pixels.
    train_u8, train_y, _ = read_folder(os.path.join(root, 'id', 'train'))
    test_u8, test_y, _ = read_folder(os.path.join(root, 'id', 'test'))
    ood_u8 = np.stack([np.asarray(Image.open(os.path.join(ood, f)).convert('RGB')) for f in sorted(os.listdir(ood))])
    settings = {'knn': {'neighbours': 5}}
    result = reference_scores(net, train_u8, train_y, test_u8, test_y, {'ood': ood_u8}, settings)
    result['note'] = 'written by scripts/onnx/cifar10_reference.py train --fixture; scores in image order (ID test: class, then file; OOD: file)'
    with open(os.path.join(root, 'expected.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(f'fixture in {root}: accuracy {result["idAccuracy"]:.3f}', flush=True)


# ---------- scores and metrics, written from the papers ----------

def outputs(net, images_u8, batch=500):
    feats, logits = [], []
    with torch.no_grad():
        for s in range(0, len(images_u8), batch):
            h = net.features(to_input(images_u8[s:s + batch]))
            feats.append(h)
            logits.append(net.fc(h))
    return torch.cat(feats).double(), torch.cat(logits).double()


def gradnorm_autograd(net, h, temperature=1.0):
    """||d KL(u || softmax(f/T)) / dW||_1 per sample, by autograd on the last layer (W only)."""
    W = net.fc.weight.detach().double().clone().requires_grad_(True)
    b = net.fc.bias.detach().double()
    out = []
    k = W.shape[0]
    for i in range(len(h)):
        f = h[i:i + 1] @ W.t() + b
        logp = F.log_softmax(f / temperature, dim=1)
        loss = torch.sum(-(1.0 / k) * logp)  # KL(u||p) up to a constant
        g, = torch.autograd.grad(loss, W)
        out.append(g.abs().sum().item())
    return np.array(out)


def scores_of(net, h, f, fit, settings):
    k_nn = settings.get('knn', {}).get('neighbours', 50)
    s = {}
    s['msp'] = F.softmax(f, 1).max(1).values.numpy()
    s['maxlogit'] = f.max(1).values.numpy()
    s['energy'] = torch.logsumexp(f, 1).numpy()
    s['odin-t'] = F.softmax(f / 1000.0, 1).max(1).values.numpy()
    s['gradnorm'] = gradnorm_autograd(net, h)
    W = net.fc.weight.detach().double()
    b = net.fc.bias.detach().double()
    s['react'] = torch.logsumexp(torch.clamp(h, max=fit['clip']) @ W.t() + b, 1).numpy()
    q = h / (h.norm(dim=1, keepdim=True) + 1e-10)
    d = torch.cdist(q, fit['bank'])
    s['knn'] = (-torch.sort(d, dim=1).values[:, k_nn - 1]).numpy()
    diffs = h[:, None, :] - fit['means'][None, :, :]
    m2 = torch.einsum('ncd,de,nce->nc', diffs, fit['precision'], diffs)
    s['mahalanobis'] = (-torch.sqrt(m2.min(1).values)).numpy()
    return s


def fit_from(h_train, y_train, num_classes=10, relative_ridge=1e-6):
    clip = float(np.percentile(h_train.numpy().ravel(), 90))
    bank = h_train / (h_train.norm(dim=1, keepdim=True) + 1e-10)
    means = torch.stack([h_train[y_train == c].mean(0) for c in range(num_classes)])
    centred = h_train - means[y_train]
    cov = centred.t() @ centred / len(h_train)
    ridge = relative_ridge * torch.trace(cov) / cov.shape[0]
    precision = torch.linalg.inv(cov + ridge * torch.eye(cov.shape[0], dtype=cov.dtype))
    return {'clip': clip, 'bank': bank, 'means': means, 'precision': precision}


def fpr_at_95(id_s, ood_s):
    """The smallest FPR among thresholds that keep >= 95% of ID (a sample is ID when score >= t)."""
    desc = np.sort(id_s)[::-1]
    t = desc[int(np.ceil(0.95 * len(desc))) - 1]
    return float(np.mean(ood_s >= t))


def auroc(id_s, ood_s):
    """P(id > ood) + P(tie) / 2, by ranks (Mann-Whitney)."""
    allv = np.concatenate([id_s, ood_s])
    order = np.argsort(allv, kind='mergesort')
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n1, n0 = len(id_s), len(ood_s)
    return float((ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def reference_scores(net, train_u8, train_y, test_u8, test_y, ood_sets, settings):
    net.eval()
    h_train, _ = outputs(net, train_u8)
    fit = fit_from(h_train, torch.from_numpy(train_y))
    h_id, f_id = outputs(net, test_u8)
    id_scores = scores_of(net, h_id, f_id, fit, settings)
    result = {
        'idAccuracy': float((f_id.argmax(1).numpy() == test_y).mean()),
        'idCount': int(len(test_u8)),
        'fitCount': int(len(train_u8)),
        'reactClip': fit['clip'],
        'meanLogitNorm': {'id': float(f_id.norm(dim=1).mean())},
        'idLogits': f_id.numpy().round(6).tolist() if len(test_u8) <= 200 else None,
        'idScores': {k: v.tolist() for k, v in id_scores.items()} if len(test_u8) <= 200 else None,
        'oodScores': {},
        'metrics': {},
    }
    for name, u8 in ood_sets.items():
        h_o, f_o = outputs(net, u8)
        o = scores_of(net, h_o, f_o, fit, settings)
        result['meanLogitNorm'][name] = float(f_o.norm(dim=1).mean())
        if len(u8) <= 200:
            result['oodScores'][name] = {k: v.tolist() for k, v in o.items()}
        result['metrics'][name] = {k: {'fpr95': fpr_at_95(id_scores[k], o[k]), 'auroc': auroc(id_scores[k], o[k])} for k in id_scores}
    return result


def read_dump(folder, name):
    meta = json.load(open(os.path.join(folder, name + '.json')))
    data = np.fromfile(os.path.join(folder, name + '.u8'), dtype=np.uint8).reshape(meta['count'], meta['height'], meta['width'], meta['channels'])
    labels = np.array(meta.get('labels', [-1] * meta['count']), dtype=np.int64)
    return data, labels, meta


def measure(args):
    net = SmallCifarNet()
    net.load_state_dict(torch.load(args.weights))
    net.eval()
    train_u8, train_y, _ = read_dump(args.dumps, 'fit')
    test_u8, test_y, _ = read_dump(args.dumps, 'id-test')
    ood = {}
    for name in args.ood.split(','):
        ood[name], _, _ = read_dump(args.dumps, name)
    result = reference_scores(net, train_u8, train_y, test_u8, test_y, ood, {'knn': {'neighbours': args.neighbours}})
    # Inference speed: logits of the ID test images, batch 256, best of 3 passes after a warm-up.
    x = to_input(test_u8)
    times = []
    with torch.no_grad():
        net(x[:256])
        for _ in range(3):
            started = time.perf_counter()
            for s in range(0, len(x), 256):
                net(x[s:s + 256])
            times.append(time.perf_counter() - started)
    result['pytorch'] = {'version': torch.__version__, 'threads': torch.get_num_threads(), 'imagesPerSecond': len(x) / min(times)}
    json.dump(result, open(args.json_out, 'w'), indent=1)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads: accuracy {100 * result["idAccuracy"]:.2f}%, inference {result["pytorch"]["imagesPerSecond"]:.0f} images/s')
    for name, per in result['metrics'].items():
        for scorer in ('msp', 'energy', 'knn', 'gradnorm', 'maxlogit', 'react', 'mahalanobis', 'odin-t'):
            m = per[scorer]
            print(f'{name:>12} {scorer:>12}  FPR95 {100 * m["fpr95"]:6.2f}  AUROC {100 * m["auroc"]:6.2f}')


def add_sample_arguments(parser):
    """The options that pick the fixture's images, the same for 'train' and 'fixture'."""
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--per-class', type=int, default=5)
    parser.add_argument('--train-per-class', type=int, default=12)
    parser.add_argument('--ood-images', type=int, default=20)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('train')
    t.add_argument('--data', required=True)
    t.add_argument('--out', required=True)
    t.add_argument('--fixture')
    t.add_argument('--epochs', type=int, default=20)
    t.add_argument('--batch', type=int, default=128)
    t.add_argument('--lr', type=float, default=0.1)
    add_sample_arguments(t)
    fx = sub.add_parser('fixture')
    fx.add_argument('--data', required=True)
    fx.add_argument('--out', required=True)
    fx.add_argument('--fixture', required=True)
    add_sample_arguments(fx)
    m = sub.add_parser('measure')
    m.add_argument('--weights', required=True)
    m.add_argument('--dumps', required=True)
    m.add_argument('--ood', default='gaussian,uniform,folder')
    m.add_argument('--neighbours', type=int, default=50)
    m.add_argument('--json-out', required=True)
    args = p.parse_args()
    if args.cmd == 'train':
        os.makedirs(args.out, exist_ok=True)
        train(args)
    elif args.cmd == 'fixture':
        net = SmallCifarNet()
        net.load_state_dict(torch.load(os.path.join(args.out, 'model.pt')))
        net.eval()
        classes = sorted(d for d in os.listdir(os.path.join(args.data, 'train')) if not d.startswith('.'))
        write_fixture(net, args, classes)
    else:
        measure(args)


if __name__ == '__main__':
    sys.exit(main())
