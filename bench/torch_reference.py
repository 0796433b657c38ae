"""PyTorch reference for `npm run bench`: ResNet-20 (CIFAR, option-A shortcuts) training throughput
at batch 128 on 32x32x3, full precision or LSQ W4A4 with a straight-through fake quantizer (first and
last layers 8-bit, as Temper's defaults). Prints one JSON line: {"fp": img/s, "lsq": img/s, ...}.
Usage: python3 bench/torch_reference.py --threads 2 --steps 8 [--quantizers fp,lsq]"""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class LsqQuantizer(nn.Module):
    """LSQ (Esser et al.): learnable step s, gradient scale 1/sqrt(N·Qp), straight-through rounding."""

    def __init__(self, bits, signed):
        super().__init__()
        self.qn, self.qp = (2 ** (bits - 1), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
        self.step = nn.Parameter(torch.tensor(1.0))
        self.initialized = False

    def forward(self, x):
        if not self.initialized:
            self.step.data = 2 * x.detach().abs().mean() / (self.qp ** 0.5)
            self.initialized = True
        g = 1.0 / ((x.numel() * self.qp) ** 0.5)
        s = self.step * g + (self.step - self.step * g).detach()
        v = torch.clamp(x / s, -self.qn, self.qp)
        return (v.round() - v).detach() * s + v * s


class QConv(nn.Conv2d):
    def __init__(self, cin, cout, k, stride, bits, signed_input):
        super().__init__(cin, cout, k, stride, k // 2, bias=False)
        self.qw = LsqQuantizer(bits, True) if bits else None
        self.qx = LsqQuantizer(bits, signed_input) if bits else None

    def forward(self, x):
        if self.qw is None:
            return super().forward(x)
        return F.conv2d(self.qx(x), self.qw(self.weight), None, self.stride, self.padding)


class Block(nn.Module):
    def __init__(self, cin, cout, stride, bits):
        super().__init__()
        self.a, self.bn_a = QConv(cin, cout, 3, stride, bits, False), nn.BatchNorm2d(cout)
        self.b, self.bn_b = QConv(cout, cout, 3, 1, bits, False), nn.BatchNorm2d(cout)
        self.pad = (cout - cin) // 2 if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.bn_b(self.b(F.relu(self.bn_a(self.a(x)))))
        shortcut = x if self.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(y + shortcut)


class ResNet20(nn.Module):
    def __init__(self, bits):
        super().__init__()
        self.stem, self.bn = QConv(3, 16, 3, 1, 8 if bits else None, True), nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(3):
                blocks.append(Block(cin, cout, stride if i == 0 else 1, bits))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, 10)
        self.qfc = LsqQuantizer(8, True) if bits else None

    def forward(self, x):
        y = self.blocks(F.relu(self.bn(self.stem(x)))).mean((2, 3))
        return self.fc(y) if self.qfc is None else F.linear(y, self.qfc(self.fc.weight), self.fc.bias)


def images_per_sec(quantizer, steps, batch=128):
    torch.manual_seed(0)
    model = ResNet20(4 if quantizer == "lsq" else None)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x, y = torch.randn(batch, 3, 32, 32), torch.arange(batch) % 10
    times = []
    for i in range(steps + 2):
        started = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        if i >= 2:
            times.append(time.perf_counter() - started)
    return batch / sorted(times)[len(times) // 2]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--quantizers", default="fp,lsq")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = {q: images_per_sec(q, args.steps) for q in args.quantizers.split(",")}
    result.update(torch=torch.__version__, threads=args.threads)
    print(json.dumps(result))
