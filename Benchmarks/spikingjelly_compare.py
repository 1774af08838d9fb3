"""SpikeKit's conversion against SpikingJelly's on the same PyTorch weights (pixels in [0, 1]).

    python Benchmarks/spikingjelly_compare.py --data /usr/share/datasets/fashion-mnist --out /tmp/sj [--epochs 2]

Needs torch, numpy, safetensors and spikingjelly in a virtual environment (never a SpikeKit
dependency). Trains SpikeKit's CNN-S and MLP (bias-free, as the presets) in PyTorch on Fashion-MNIST
with transforms.ToTensor() pixels in [0, 1] and no Normalize, then converts each with SpikingJelly's
ann2snn rate-coding recipe (mode "Max": per-layer maximum activation on the calibration batches,
IF neurons with soft reset) and simulates the test set with the analog image as input current at
T = 8, 16, 32, 64. For each network it writes `<net>/state_dict.safetensors` and `<net>/config.json`,
a SpikeKit config that loads those weights by name (`model.mapping`) with `"normalization": "none"`
and converts with data-norm at the 100th percentile (the maximum) on direct input:

    spikekit run /tmp/sj/cnn-s/config.json        # compare its ANN and T rows with the printout
"""
import argparse, json, os, sys

import torch
import torch.nn as nn
from safetensors.torch import save_file
from spikingjelly.activation_based import functional
from spikingjelly.activation_based.ann2snn import Converter
from spikingjelly.activation_based.ann2snn.recipes import RateCodingRecipe

# The Fashion-MNIST reader of the ImportPyTorch example (IDX .gz files, ToTensor() pixels in [0, 1]).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Examples", "ImportPyTorch"))
from export_pytorch import load  # noqa: E402

STEPS = [8, 16, 32, 64]


def cnn_s():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(32 * 7 * 7, 128, bias=False), nn.ReLU(),
        nn.Dropout(0.2), nn.Linear(128, 10, bias=False))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512, bias=False), nn.ReLU(),
                         nn.Linear(512, 512, bias=False), nn.ReLU(), nn.Linear(512, 10, bias=False))


# SpikeKit's automatic layer names for the presets -> the nn.Sequential indices above.
MAPPINGS = {"cnn-s": {"conv1": "0", "conv2": "3", "fc1": "8", "fc2": "11"}, "mlp": {"fc1": "1", "fc2": "3", "fc3": "5"}}


def batches(x, y, size):
    for start in range(0, len(x), size):
        yield x[start:start + size], y[start:start + size]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder with the Fashion-MNIST IDX .gz files")
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--calibration", type=int, default=512, help="training images for the maximum activations")
    args = parser.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    (x, y), (tx, ty) = load(args.data, "train"), load(args.data, "test")
    for name, make in [("cnn-s", cnn_s), ("mlp", mlp)]:
        torch.manual_seed(1)
        model = make()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(args.epochs):
            model.train()
            order = torch.randperm(len(x))
            for start in range(0, len(x), 64):
                batch = order[start:start + 64]
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
                optimizer.step()
        model.eval()
        with torch.no_grad():
            ann = sum((model(b).argmax(1) == l).sum().item() for b, l in batches(tx, ty, 1000)) / len(tx)
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        save_file(model.state_dict(), os.path.join(folder, "state_dict.safetensors"))
        config = {"name": f"sj-{name}", "seed": 1,
                  "data": {"dataset": "fashion-mnist", "directory": os.path.abspath(args.data), "normalization": "none"},
                  "model": {"architecture": name, "checkpoint": "state_dict.safetensors", "mapping": MAPPINGS[name]},
                  "conversion": {"recipe": "data-norm", "percentile": 100, "calibrationImages": args.calibration},
                  "simulation": {"timeSteps": STEPS, "encoding": "direct", "ordering": "immediate"}}
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f, indent=2)

        calibration = [(x[:args.calibration], y[:args.calibration])]
        snn = Converter(RateCodingRecipe(dataloader=calibration, mode="Max")).convert(model)
        snn.eval()
        correct = {t: 0 for t in STEPS}
        with torch.no_grad():
            for b, l in batches(tx, ty, 1000):
                functional.reset_net(snn)
                total = 0
                for t in range(1, max(STEPS) + 1):
                    total = total + snn(b)
                    if t in correct:
                        correct[t] += (total.argmax(1) == l).sum().item()
        rows = ", ".join(f"T = {t}: {correct[t] / len(tx) * 100:.2f} %" for t in STEPS)
        print(f"{name}: PyTorch ANN {ann * 100:.2f} %; SpikingJelly converted {rows}  ({folder})", flush=True)


if __name__ == "__main__":
    main()
