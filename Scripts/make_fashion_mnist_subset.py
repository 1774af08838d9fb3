#!/usr/bin/env python3
"""Builds the class-balanced Fashion-MNIST subset bundled with SpikeKit.

Reads the four original IDX files (gzip-compressed, as Zalando Research distributes them) and keeps,
for each of the 10 classes, the first N images of that class in file order: 600 per class from the
training set (6,000 images) and 100 per class from the test set (1,000 images). The chosen images
keep their relative file order. The output is the same IDX format, gzip-compressed with a zero
timestamp and no file name in the gzip header, so running the script twice gives identical bytes.

Usage:
    python3 Scripts/make_fashion_mnist_subset.py [SOURCE_DIR] [OUTPUT_DIR]

SOURCE_DIR defaults to /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist package);
OUTPUT_DIR defaults to Sources/SpikeKit/Resources/fashion-mnist-subset. Standard library only.
"""

import gzip
import os
import struct
import sys

CLASSES = 10
SPLITS = [
    # (source prefix, images kept per class)
    ("train", 600),
    ("t10k", 100),
]


def read_idx(path, expected_magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    if magic != expected_magic:
        sys.exit(f"{path}: magic {magic:#010x}, expected {expected_magic:#010x}")
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    body = data[4 + 4 * dims :]
    size = 1
    for extent in shape:
        size *= extent
    if len(body) != size:
        sys.exit(f"{path}: {len(body)} data bytes, expected {size}")
    return shape, body


def write_idx_gz(path, magic, shape, body):
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * len(shape), *shape)
    # mtime=0 and no embedded file name: the output depends only on the input bytes.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
            f.write(header + body)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    here = os.path.dirname(os.path.abspath(__file__))
    default_output = os.path.join(here, "..", "Sources", "SpikeKit", "Resources", "fashion-mnist-subset")
    output = sys.argv[2] if len(sys.argv) > 2 else default_output
    os.makedirs(output, exist_ok=True)

    for prefix, per_class in SPLITS:
        image_name = f"{prefix}-images-idx3-ubyte.gz"
        label_name = f"{prefix}-labels-idx1-ubyte.gz"
        (count, rows, cols), pixels = read_idx(os.path.join(source, image_name), 0x00000803)
        (label_count,), labels = read_idx(os.path.join(source, label_name), 0x00000801)
        if label_count != count:
            sys.exit(f"{prefix}: {count} images but {label_count} labels")

        taken = [0] * CLASSES
        chosen = []
        for index, label in enumerate(labels):
            if label >= CLASSES:
                sys.exit(f"{label_name}: label {label} at index {index} out of range")
            if taken[label] < per_class:
                taken[label] += 1
                chosen.append(index)
        if any(t != per_class for t in taken):
            sys.exit(f"{prefix}: not enough images per class: {taken}")

        size = rows * cols
        out_pixels = b"".join(pixels[i * size : (i + 1) * size] for i in chosen)
        out_labels = bytes(labels[i] for i in chosen)
        write_idx_gz(os.path.join(output, image_name), 0x00000803, (len(chosen), rows, cols), out_pixels)
        write_idx_gz(os.path.join(output, label_name), 0x00000801, (len(chosen),), out_labels)
        print(f"{prefix}: kept {len(chosen)} of {count} images ({per_class} per class), "
              f"last source index {chosen[-1]}")


if __name__ == "__main__":
    main()
