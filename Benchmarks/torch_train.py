"""PyTorch CPU training speed of the hybrid-conversion paper's VGG networks, for a ratio against
`spikekit bench train --model vgg5 --input 3x32x32 --batch 64` run in the same minute.

The networks follow `Architectures.swift` (conv3x3 pad 1 without bias, ReLU, dropout 0.2, an average
pool in place of the dropout before it; flatten, Linear 4096, ReLU, dropout 0.5, Linear 4096, ReLU,
dropout 0.5, Linear classes, all without bias), trained with Adam at batch 64 on random inputs (the
speed of a dense network does not depend on the data). Prints one JSON line with images/s.

    python Benchmarks/torch_train.py --model vgg5 --input 3x32x32 --threads 2
"""
import argparse
import json
import time

import torch
from torch import nn

LISTS = {
    "vgg5": [64, 0, 128, 128, 0],
    "vgg9": [64, 0, 128, 256, 0, 256, 512, 0, 512, 0, 512],
    "vgg11": [64, 0, 128, 256, 256, 0, 512, 512, 512, 0, 512, 512],
    "vgg16": [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512],
}


def vgg(name, channels, size, classes=10, hidden=4096):
    layers, c = [], channels
    items = LISTS[name]
    for i, width in enumerate(items):
        if width == 0:
            continue
        layers += [nn.Conv2d(c, width, 3, padding=1, bias=False), nn.ReLU()]
        c = width
        if i + 1 < len(items) and items[i + 1] == 0:
            layers.append(nn.AvgPool2d(2))
            size //= 2
        else:
            layers.append(nn.Dropout(0.2))
    layers += [nn.Flatten(), nn.Linear(c * size * size, hidden, bias=False), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(hidden, hidden, bias=False), nn.ReLU(), nn.Dropout(0.5), nn.Linear(hidden, classes, bias=False)]
    return nn.Sequential(*layers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="vgg5", choices=sorted(LISTS))
    parser.add_argument("--input", default="3x32x32", help="CxHxW")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20, help="timed training steps (after 3 untimed)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    c, h, w = (int(x) for x in args.input.split("x"))
    net = vgg(args.model, c, h)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(args.batch, c, h, w) * 2 - 1
    y = torch.randint(0, 10, (args.batch,))
    for step in range(3 + args.steps):
        if step == 3:
            start = time.perf_counter()
        optimizer.zero_grad()
        loss_fn(net(x), y).backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    print(json.dumps({"library": f"torch {torch.__version__}", "model": args.model, "input": args.input,
                      "batch": args.batch, "threads": args.threads,
                      "imagesPerSecond": args.steps * args.batch / seconds}))


if __name__ == "__main__":
    main()
