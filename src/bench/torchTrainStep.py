"""The PyTorch side of `npm run bench -- speed --vs-pytorch`.

Times one training step (forward, LogitNorm loss, backward, SGD with momentum and weight decay)
of the same networks as src/core/models (mlp, lenet, cnn) on 28x28x1 inputs, on the CPU, and
prints one JSON object: {"torch": version, "threads": n, "seconds": {arch: median seconds}}.

usage: python3 torchTrainStep.py --archs mlp,lenet,cnn --batch 128 --steps 10 --warmup 2 [--threads N]
(--threads 0, the default, keeps PyTorch's own choice, as a user's script would.)
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp() -> nn.Module:
    # flatten -> 256 -> ReLU -> 256 -> ReLU -> 10 (src/core/models/mlp.ts)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet() -> nn.Module:
    # conv 6@5x5 pad 2 -> ReLU -> pool 2 -> conv 16@5x5 -> ReLU -> pool 2 -> 120 -> 84 -> 10 (lenet.ts)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def cnn() -> nn.Module:
    # conv 32@3x3 same, no bias -> BN -> ReLU -> pool 2 -> conv 64@3x3 same, no bias -> BN -> ReLU
    # -> pool 2 -> 128 -> ReLU -> 10 (cnn.ts)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32, eps=1e-5, momentum=0.1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64, eps=1e-5, momentum=0.1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )


MODELS = {"mlp": mlp, "lenet": lenet, "cnn": cnn}


def logit_norm_loss(logits: torch.Tensor, target: torch.Tensor, tau: float = 0.04) -> torch.Tensor:
    # The paper's Eq. 4, as its code writes it (eps 1e-7).
    norms = torch.norm(logits, p=2, dim=-1, keepdim=True) + 1e-7
    return F.cross_entropy(logits / norms / tau, target)


def step_seconds(arch: str, batch: int, steps: int, warmup: int) -> float:
    torch.manual_seed(1)
    model = MODELS[arch]()
    model.train()
    # The bench's tfjs side: SGD momentum 0.9, no Nesterov, weight decay 5e-4, lr 0.01.
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = logit_norm_loss(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    times.sort()
    m = len(times) // 2
    return times[m] if len(times) % 2 else (times[m - 1] + times[m]) / 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archs", default="mlp,lenet,cnn")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="0: PyTorch's own default")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    seconds = {}
    for arch in args.archs.split(","):
        if arch in MODELS:
            seconds[arch] = step_seconds(arch, args.batch, args.steps, args.warmup)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": seconds}))


if __name__ == "__main__":
    main()
