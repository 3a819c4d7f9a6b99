#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: the same model, batch, optimiser and threads.

The model mirrors src/models/preact-resnet.ts (seed 000, eq. 13): a 3x3 stem convolution, three
sections of L pre-activation blocks [BN-ReLU-conv3x3-BN-ReLU-conv3x3 + identity], a 1x1 stride-2
convolution between sections, widths 16/32/64, then BN-ReLU-global average pool-dense(10); no
convolution biases; BN eps 1e-3 and momentum 0.1 (ResLab's 0.9 in Keras' convention).
Training step: SGD lr 0.01 momentum 0.9 on softmax cross-entropy, batch 64, 28x28x1 inputs.

Runs both memory formats (NCHW and channels-last) and reports the faster, as the bench compares
against PyTorch at its best. Prints one JSON object per L with --json, else a line each.
Run with Debian's python3-torch: /usr/bin/python3 scripts/bench_pytorch.py --threads 2
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the bench prints this and carries on without the ratio
    print(json.dumps({"error": f"PyTorch is not importable ({e}); on Debian: apt-get install -y python3-torch"}))
    sys.exit(0)


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(width, eps=1e-3, momentum=0.1)
        self.conv1 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width, eps=1e-3, momentum=0.1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)

    def forward(self, x):
        f = self.conv1(F.relu(self.bn1(x)))
        return x + self.conv2(F.relu(self.bn2(f)))


class PreActResNet(nn.Module):
    def __init__(self, L, widths=(16, 32, 64), classes=10):
        super().__init__()
        layers = [nn.Conv2d(1, widths[0], 3, padding=1, bias=False)]
        for s, w in enumerate(widths):
            if s > 0:
                layers.append(nn.Conv2d(widths[s - 1], w, 1, stride=2, bias=False))
            layers.extend(Block(w) for _ in range(L))
        self.body = nn.Sequential(*layers)
        self.head_bn = nn.BatchNorm2d(widths[-1], eps=1e-3, momentum=0.1)
        self.dense = nn.Linear(widths[-1], classes)

    def forward(self, x):
        x = F.relu(self.head_bn(self.body(x)))
        return self.dense(x.mean(dim=(2, 3)))


def median_ms(fn, steps, warmup):
    """Median wall time of fn() in ms over `steps` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(L, batch, steps, memory_format):
    torch.manual_seed(0)
    model = PreActResNet(L).to(memory_format=memory_format)
    x = torch.randn(batch, 1, 28, 28).contiguous(memory_format=memory_format)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    def forward():
        with torch.no_grad():
            model(x).sum().item()

    model.train()
    step_ms = median_ms(step, steps, warmup=3)
    model.eval()
    fwd_ms = median_ms(forward, steps, warmup=2)
    return step_ms, fwd_ms


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--L", default="2,8", help="blocks per section, comma-separated")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=7)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", action="store_true", help="one JSON object per L")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for L in [int(v) for v in a.L.split(",")]:
        formats = {}
        for name, mf in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last)):
            s, f = measure(L, a.batch, a.steps, mf)
            formats[name] = {"trainStepMs": round(s, 1), "forwardMs": round(f, 1)}
        row = {
            "L": L,
            "batch": a.batch,
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "trainStepMs": min(v["trainStepMs"] for v in formats.values()),
            "forwardMs": min(v["forwardMs"] for v in formats.values()),
            "formats": formats,
        }
        if a.json:
            print(json.dumps(row), flush=True)
        else:
            print(f"PyTorch {row['torch']} L={L} batch {a.batch}, {row['threads']} threads: step {row['trainStepMs']} ms, "
                  f"forward {row['forwardMs']} ms (best of {formats})", flush=True)


if __name__ == "__main__":
    main()
