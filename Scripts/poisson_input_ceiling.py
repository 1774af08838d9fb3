#!/usr/bin/env python3
"""How much accuracy Poisson input alone costs a trained CNN-S: the ANN evaluated on the average of
T rate-coded input frames, the input an ideal spiking network would see in T steps.

SpikeKit's Poisson encoder turns a pixel x in [-1, 1] into a spike of sign(x) with probability |x|
each step (DESIGN §3). Averaging T such frames gives the noisy image x̂ = (1/T)·Σ_t s_t, with
E[x̂] = x; running the ANN on x̂ bounds what a converted network can reach at T steps when its
hidden layers are perfect, and so shows whether a target at small T is limited by the input code
rather than by conversion or training.

Usage:
    python3 Scripts/poisson_input_ceiling.py ANN.safetensors [FASHION_MNIST_DIR] [T ...]

ANN.safetensors is a `cnn-s` checkpoint written by `spikekit run` (ann.safetensors in a results
folder); FASHION_MNIST_DIR defaults to /usr/share/datasets/fashion-mnist; T defaults to 8 16 64.
Needs NumPy. Prints the clean test accuracy, then one line per T.
"""

import gzip
import json
import struct
import sys

import numpy as np


def load_safetensors(path):
    raw = open(path, "rb").read()
    header_length = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + header_length])
    base = 8 + header_length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(raw[base + start:base + end], dtype=np.float32).reshape(entry["shape"])
    return tensors


def load_test_set(directory):
    images = gzip.open(f"{directory}/t10k-images-idx3-ubyte.gz").read()[16:]
    labels = gzip.open(f"{directory}/t10k-labels-idx1-ubyte.gz").read()[8:]
    x = np.frombuffer(images, dtype=np.uint8).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    return (x - 0.5) / 0.5, np.frombuffer(labels, dtype=np.uint8)   # SpikeKit's symmetric normalisation


def conv3x3(x, w):
    n, c, h, width = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    columns = np.stack([padded[:, :, ky:ky + h, kx:kx + width] for ky in range(3) for kx in range(3)], axis=2)
    return np.einsum("nckhw,ock->nohw", columns, w.reshape(w.shape[0], c, 9), optimize=True)


def average_pool(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


def cnn_s(weights, x):
    a = average_pool(np.maximum(conv3x3(x, weights["conv1.weight"]), 0))
    a = average_pool(np.maximum(conv3x3(a, weights["conv2.weight"]), 0))
    a = np.maximum(a.reshape(len(a), -1) @ weights["fc1.weight"].T, 0)
    return a @ weights["fc2.weight"].T


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    weights = load_safetensors(sys.argv[1])
    directory = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
    steps = [int(t) for t in sys.argv[3:]] or [8, 16, 64]
    x, labels = load_test_set(directory)
    print(f"clean input: {np.mean(cnn_s(weights, x).argmax(1) == labels) * 100:.2f} %")
    generator = np.random.default_rng(0)
    for t in steps:
        total = np.zeros_like(x)
        for _ in range(t):
            total += np.sign(x) * (generator.random(x.shape) < np.abs(x))
        accuracy = np.mean(cnn_s(weights, total / t).argmax(1) == labels) * 100
        print(f"average of T = {t} Poisson frames: {accuracy:.2f} %")


if __name__ == "__main__":
    main()
