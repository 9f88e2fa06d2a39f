"""The small CIFAR-10 CNN of the imported-model fixture (test/fixtures/onnx/cifar10-small), torch only."""
import torch.nn as nn


class SmallCifarNet(nn.Module):
    """conv16-bn-relu-pool, conv32-bn-relu-pool, conv64-bn-relu, global average pool (64 features), fc10."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(64, 10)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.fc(self.body(x))
