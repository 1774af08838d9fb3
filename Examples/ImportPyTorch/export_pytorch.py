"""Train the ImportPyTorch example's network in PyTorch and write what SpikeKit imports.

    python Examples/ImportPyTorch/export_pytorch.py [--data DIR] [--epochs 3] [--out results/examples/ImportPyTorch/pytorch]

Needs torch, numpy and safetensors (pip install torch numpy safetensors). Reads Fashion-MNIST IDX
files (default: the subset bundled with SpikeKit; --data /usr/share/datasets/fashion-mnist for the
full set), with pixels as transforms.ToTensor() gives them, in [0, 1] (the config says
"normalization": "none"). Writes into --out:

    state_dict.safetensors   safetensors.torch.save_file(model.state_dict(), ...)
    check_inputs.npy         the first 64 test images, float32 [64, 1, 28, 28]
    check_outputs.npy        the model's logits for them in eval() mode, [64, 10]
    layers/<name>.npy        each module's output for them (forward hooks), to find a divergence

Then: swift run -c release ImportPyTorch --state-dict <out>   (or spikekit import, see README).
"""
import argparse, gzip, os, struct

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.join(HERE, "..", "..", "Sources", "SpikeKit", "Resources", "fashion-mnist-subset")


class Net(nn.Module):
    """Not a SpikeKit preset: a stride-2 convolution, biases, batch-norm and max pooling.
    The module names (features.0, ..., classifier.3) are the layer names of config.json."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),     # 14 x 14
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))  # 7 x 7
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(folder, split):
    prefix = "train" if split == "train" else "t10k"
    images = idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / 255  # ToTensor()
    labels = idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(images[:, None]), torch.from_numpy(labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=BUNDLED)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default="results/examples/ImportPyTorch/pytorch")
    args = parser.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    (x, y), (tx, ty) = load(args.data, "train"), load(args.data, "test")
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x))
        for start in range(0, len(x), 64):
            batch = order[start:start + 64]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(tx).argmax(1) == ty).float().mean().item()
        print(f"epoch {epoch + 1}: test accuracy {accuracy * 100:.2f} % on {len(tx)} images")

    os.makedirs(os.path.join(args.out, "layers"), exist_ok=True)
    save_file(model.state_dict(), os.path.join(args.out, "state_dict.safetensors"))
    inputs = tx[:64]
    outputs = {}
    hooks = [module.register_forward_hook(lambda m, i, o, name=name: outputs.__setitem__(name, o.detach()))
             for name, module in model.named_modules() if name and not list(module.children())]
    with torch.no_grad():
        logits = model(inputs)
    for hook in hooks:
        hook.remove()
    np.save(os.path.join(args.out, "check_inputs.npy"), inputs.numpy())
    np.save(os.path.join(args.out, "check_outputs.npy"), logits.numpy())
    for name, value in outputs.items():
        np.save(os.path.join(args.out, "layers", f"{name}.npy"), value.numpy())
    print(f"PyTorch test accuracy {accuracy * 100:.2f} %; wrote {args.out}")


if __name__ == "__main__":
    main()
