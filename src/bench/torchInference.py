"""PyTorch inference images/s of the imported-model fixture's network (scripts/onnx/small_cifar_net.py),
eager, torch.inference_mode, batch-norm not fused, random weights (the speed of dense convolutions does
not depend on their values). Prints one JSON line. Needs only torch."""
import argparse
import json
import os
import sys
import time

import torch

here = os.path.dirname(os.path.abspath(__file__))
for candidate in (os.path.join(here, '..', '..', 'scripts', 'onnx'), os.path.join(here, '..', 'scripts', 'onnx')):
    sys.path.insert(0, candidate)
from small_cifar_net import SmallCifarNet  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('--batch', type=int, default=256)
p.add_argument('--images', type=int, default=5000)
p.add_argument('--repeats', type=int, default=3)
p.add_argument('--threads', type=int, default=0)
args = p.parse_args()
if args.threads > 0:
    torch.set_num_threads(args.threads)
torch.manual_seed(0)
net = SmallCifarNet().eval()
x = torch.randn(args.batch, 3, 32, 32)
batches = max(1, args.images // args.batch)
best = float('inf')
with torch.inference_mode():
    net(x)
    for _ in range(args.repeats):
        started = time.perf_counter()
        for _ in range(batches):
            net(x)
        best = min(best, time.perf_counter() - started)
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'imagesPerSecond': batches * args.batch / best}))
