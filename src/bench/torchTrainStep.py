"""The PyTorch side of `npm run bench -- speed --vs-pytorch`.

Times one training step (forward, LogitNorm loss, backward, SGD with momentum and weight decay)
of the same networks as src/core/models (mlp, lenet, cnn on 28x28x1 inputs; the CIFAR ResNet-18
on 32x32x3), on the CPU, and prints one JSON object:
{"torch": version, "threads": n, "seconds": {arch: median seconds}}.

usage: python3 torchTrainStep.py --archs mlp,lenet,cnn,resnet18 --batch 128 --steps 10 --warmup 2 [--threads N]
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


class BasicBlock(nn.Module):
    # conv3x3 (stride s) -> BN -> ReLU -> conv3x3 -> BN, plus the shortcut (the input, or
    # conv1x1 (stride s) -> BN when the shape changes), then ReLU; convs without bias (resNet.ts).
    def __init__(self, in_width: int, out_width: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_width, out_width, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_width)
        self.conv2 = nn.Conv2d(out_width, out_width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_width)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_width != out_width:
            self.shortcut = nn.Sequential(nn.Conv2d(in_width, out_width, 1, stride=stride, bias=False), nn.BatchNorm2d(out_width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


def resnet18() -> nn.Module:
    # The CIFAR ResNet-18 (kuangliu's pytorch-cifar, resNet.ts): conv3x3 64 -> BN -> ReLU, four
    # stages of two basic blocks (64, 128, 256, 512; strides 1, 2, 2, 2), global average pool -> 10.
    layers = [nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    in_width = 64
    for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for block in range(2):
            layers.append(BasicBlock(in_width, width, stride if block == 0 else 1))
            in_width = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


MODELS = {"mlp": mlp, "lenet": lenet, "cnn": cnn, "resnet18": resnet18}
# Input (channels, height, width) per network: the MNIST-sized ones and the CIFAR-sized ResNet.
INPUTS = {"mlp": (1, 28, 28), "lenet": (1, 28, 28), "cnn": (1, 28, 28), "resnet18": (3, 32, 32)}


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
    x = torch.randn(batch, *INPUTS[arch])
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
    parser.add_argument("--archs", default="mlp,lenet,cnn,resnet18")
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
