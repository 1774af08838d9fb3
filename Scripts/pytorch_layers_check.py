"""Check SpikeKit's layer vocabulary against PyTorch on a network that uses all of it.

    python Scripts/pytorch_layers_check.py --out DIR
    spikekit import --config DIR/config.json --state-dict DIR/state_dict.safetensors \
        --check-inputs DIR/check_inputs.npy --check-outputs DIR/check_outputs.npy --check-layers DIR/layers --out DIR/ann.safetensors

Needs torch, numpy and safetensors. Builds, with random weights and random batch-norm statistics
(eval mode), a network that is not a SpikeKit preset: a batch-normalised stem, max pooling with
padding, a torchvision BasicBlock with a stride-2 downsample shortcut (conv + BatchNorm2d, written as
an `add` between named layers), a depthwise convolution (groups = channels), a grouped 1×1
convolution, average pooling with padding, and Linear → BatchNorm1d. Writes the state dict, the
SpikeKit config naming every layer after its module, 16 random inputs in [0, 1], PyTorch's logits
for them, and every module's output (forward hooks) for --check-layers.
"""
import argparse, json, os

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import save_file


class BasicBlock(nn.Module):
    """torchvision's BasicBlock (one ReLU module used twice)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.downsample(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())  # 28
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)                                                   # 14
        self.layer1 = nn.Sequential(BasicBlock(16, 32, 2))                                                 # 7
        self.dw = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.pw = nn.Conv2d(32, 64, 1, groups=4, bias=True)
        self.pw_relu = nn.ReLU()
        self.avg = nn.AvgPool2d(3, stride=2, padding=1)                                                    # 4
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(64 * 16, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = self.layer1(x)
        x = self.pw_relu(self.pw(self.dw(x)))
        return self.head(self.avg(x))


def config():
    """The same network as SpikeKit layers, named after the modules."""
    L = lambda t, name=None, **f: dict({"type": t}, **({"name": name} if name else {}), **f)
    layers = [
        L("conv", "stem.0", outChannels=16, kernel=3, padding=1), L("batchNorm", "stem.1"), L("relu", "stem.2"),
        L("maxPool", "pool", kernel=3, stride=2, padding=1),
        L("conv", "layer1.0.conv1", outChannels=32, kernel=3, stride=2, padding=1), L("batchNorm", "layer1.0.bn1"),
        L("relu", "layer1.0.relu1"),
        L("conv", "layer1.0.conv2", outChannels=32, kernel=3, padding=1), L("batchNorm", "layer1.0.bn2"),
        L("add", "layer1.0", **{"from": "pool", "shortcut": [
            L("conv", "layer1.0.downsample.0", outChannels=32, kernel=1, stride=2),
            L("batchNorm", "layer1.0.downsample.1")]}),
        L("relu", "layer1.0.relu"),
        L("conv", "dw.0", outChannels=32, kernel=3, padding=1, groups=32), L("batchNorm", "dw.1"), L("relu", "dw.2"),
        L("conv", "pw", outChannels=64, kernel=1, groups=4, bias=True), L("relu", "pw_relu"),
        L("avgPool", "avg", kernel=3, stride=2, padding=1),
        L("flatten", "head.0"), L("linear", "head.1", outputs=64, bias=True), L("batchNorm", "head.2"),
        L("relu", "head.3"), L("linear", "head.4", outputs=10, bias=True),
    ]
    return {"name": "pytorch-layers-check", "seed": 1,
            "data": {"dataset": "fashion-mnist", "normalization": "none"},
            "model": {"layers": layers}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(os.path.join(args.out, "layers"), exist_ok=True)
    torch.manual_seed(0)
    net = Net()
    # Batch-norm statistics away from (0, 1), so that folding them matters.
    for m in net.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    net.eval()
    x = torch.rand(16, 1, 28, 28)
    outputs = {}
    # SpikeKit's layer 'layer1.0' (the add with its activation) is the whole block.
    for name, module in net.named_modules():
        if name and not list(module.children()) or name == "layer1.0":
            module.register_forward_hook(lambda m, i, o, n=name: outputs.__setitem__(n, o.detach()))
    with torch.no_grad():
        y = net(x)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, os.path.join(args.out, "state_dict.safetensors"))
    np.save(os.path.join(args.out, "check_inputs.npy"), x.numpy())
    np.save(os.path.join(args.out, "check_outputs.npy"), y.numpy())
    for name, value in outputs.items():
        if not name.startswith("layer1.0."):  # inside the block: not top-level layers in SpikeKit
            np.save(os.path.join(args.out, "layers", name + ".npy"), value.numpy())
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config(), f, indent=1)
    print(f"wrote {args.out}: {sum(p.numel() for p in net.parameters())} parameters, logits {tuple(y.shape)}")


if __name__ == "__main__":
    main()
