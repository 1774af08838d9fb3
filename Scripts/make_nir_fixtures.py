"""Writes the small HDF5 and NIR files the Interop tests read back (Tests/SpikeKitTests/Interop/Fixtures).

Run from the repository root with a virtualenv that has `nir` and `h5py` (never needed by the tests):

    python3 -m venv /tmp/venv-nir && /tmp/venv-nir/bin/pip install nir h5py numpy
    /tmp/venv-nir/bin/python Scripts/make_nir_fixtures.py

The files are deterministic apart from HDF5's own bookkeeping; the tests check the values below.
"""
import pathlib

import h5py
import nir
import numpy as np

out = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "SpikeKitTests" / "Interop" / "Fixtures"
out.mkdir(parents=True, exist_ok=True)

# 1. Plain h5py: the value kinds the reader supports, in every layout h5py writes by default.
with h5py.File(out / "h5py-types.h5", "w") as f:
    f.create_dataset("f32", data=np.arange(6, dtype=np.float32).reshape(2, 3) / 4)
    f.create_dataset("f64", data=np.array([1.5, -2.25, 1e300]))
    f.create_dataset("i64", data=np.array([-1, 2, 3_000_000_000], dtype=np.int64))
    f.create_dataset("i32", data=np.array([[7, -8]], dtype=np.int32))
    f.create_dataset("u8", data=np.array([0, 255], dtype=np.uint8))
    f.create_dataset("scalar_f", data=np.float32(0.125))
    f.create_dataset("scalar_i", data=42)
    f.create_dataset("vlen", data="Conv2d", dtype=h5py.string_dtype())
    f.create_dataset("vlen_pairs", data=np.array([["a", "bb"], ["ccc", "é"]], dtype=object), dtype=h5py.string_dtype())
    f.create_dataset("fixed", data=np.bytes_("fixed-ascii"))
    f.create_dataset("empty", data=np.zeros((0, 3), dtype=np.float32))
    f.create_dataset("gzip_chunked", data=np.arange(1000, dtype=np.float32).reshape(40, 25),
                     chunks=(16, 10), compression="gzip", compression_opts=4)
    f.create_dataset("shuffled", data=np.arange(50, dtype=np.int32) * 3 - 7, chunks=(16,), shuffle=True,
                     compression="gzip")
    g = f.create_group("many")  # more entries than one symbol-table node holds
    for i in range(20):
        g.create_dataset(f"d{i:02d}", data=np.int64(i))
    g.create_group("sub").create_group("deeper").create_dataset("x", data=np.float64(3.5))
    f.attrs["note"] = "root attribute"
    f["f32"].attrs["scale"] = np.float32(2.0)

# 2. NIR graphs written by the nir package: a conv net with IF neurons and sum pooling, and a chain of
#    Affine, LIF, Scale and CubaLIF. Compressed (nir's default) and uncompressed.
rng = np.random.default_rng(17)
conv_w = rng.normal(0, 0.5, size=(4, 1, 3, 3)).astype(np.float32)
fc_w = rng.normal(0, 0.3, size=(3, 4 * 3 * 3)).astype(np.float32)
conv_net = nir.NIRGraph(
    nodes={
        "input": nir.Input(input_type=np.array([1, 6, 6])),
        "conv": nir.Conv2d(input_shape=(6, 6), weight=conv_w, stride=1, padding=0, dilation=1, groups=1,
                           bias=np.zeros(4, dtype=np.float32)),
        "if1": nir.IF(r=np.ones((4, 4, 4), dtype=np.float32), v_threshold=np.ones((4, 4, 4), dtype=np.float32)),
        "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([1, 1]), padding=np.array([0, 0])),
        "flat": nir.Flatten(start_dim=0, end_dim=-1, input_type={"input": np.array([4, 3, 3])}),
        "fc": nir.Linear(weight=fc_w),
        "if2": nir.IF(r=np.ones(3, dtype=np.float32), v_threshold=np.ones(3, dtype=np.float32)),
        "output": nir.Output(output_type=np.array([3])),
    },
    edges=[("input", "conv"), ("conv", "if1"), ("if1", "pool"), ("pool", "flat"), ("flat", "fc"),
           ("fc", "if2"), ("if2", "output")],
)
nir.write(out / "nir-conv-if-sumpool.nir", conv_net)
nir.write(out / "nir-conv-if-sumpool-uncompressed.nir", conv_net, compression=None)

lif_net = nir.NIRGraph(
    nodes={
        "input": nir.Input(input_type=np.array([4])),
        "affine": nir.Affine(weight=np.array([[0.5, -1, 0, 2], [1, 1, 1, 1]], dtype=np.float32),
                             bias=np.array([0.25, 0], dtype=np.float32)),
        "lif": nir.LIF(tau=np.full(2, 0.02, dtype=np.float32), r=np.ones(2, dtype=np.float32),
                       v_leak=np.zeros(2, dtype=np.float32), v_threshold=np.full(2, 0.5, dtype=np.float32)),
        "scale": nir.Scale(scale=np.full(2, 2.0, dtype=np.float32)),
        "cuba": nir.CubaLIF(tau_mem=np.full(2, 0.02), tau_syn=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2),
                            v_threshold=np.ones(2)),
        "output": nir.Output(output_type=np.array([2])),
    },
    edges=[("input", "affine"), ("affine", "lif"), ("lif", "scale"), ("scale", "cuba"), ("cuba", "output")],
)
nir.write(out / "nir-affine-lif-cuba.nir", lif_net)

# 3. A conv net with current-based LIF neurons (CubaLIF), for the CubaLIF import and the Norse comparison
#    (Scripts/nir_compare.py, part C). With dt = 10⁻⁴ s (SpikeKit's default when a graph has no
#    spikekit_dt): cuba1 has α_i = 1 − dt/τ_syn = 0.5, λ = 1 − dt/τ_mem = 0.9 and the per-step input gain
#    (w_in·dt/τ_syn)·(r·dt/τ_mem) = (3·0.5)·(r·0.1) = 1.5 in channel 0 (r = 10) and 3 in channel 1
#    (r = 20); cuba2 has α_i = 0, λ = 0.8, gain (1·1)·(5·0.2) = 1.
cuba_conv_w = rng.normal(0, 0.5, size=(2, 1, 3, 3)).astype(np.float32)
cuba_fc_w = rng.normal(0, 0.4, size=(3, 2 * 3 * 3)).astype(np.float32)
cuba_fc_b = np.array([0.1, 0, -0.1], dtype=np.float32)
r1 = np.stack([np.full((3, 3), 10.0), np.full((3, 3), 20.0)])
cuba_net = nir.NIRGraph(
    nodes={
        "input": nir.Input(input_type=np.array([1, 5, 5])),
        "conv": nir.Conv2d(input_shape=(5, 5), weight=cuba_conv_w, stride=1, padding=0, dilation=1, groups=1,
                           bias=np.zeros(2, dtype=np.float32)),
        "cuba1": nir.CubaLIF(tau_syn=np.full((2, 3, 3), 2e-4), tau_mem=np.full((2, 3, 3), 1e-3), r=r1,
                             v_leak=np.zeros((2, 3, 3)), v_threshold=np.full((2, 3, 3), 4.0), w_in=3.0),
        "flat": nir.Flatten(start_dim=0, end_dim=-1, input_type={"input": np.array([2, 3, 3])}),
        "fc": nir.Affine(weight=cuba_fc_w, bias=cuba_fc_b),
        "cuba2": nir.CubaLIF(tau_syn=np.full(3, 1e-4), tau_mem=np.full(3, 5e-4), r=np.full(3, 5.0), v_leak=np.zeros(3),
                             v_threshold=np.full(3, 0.5)),
        "output": nir.Output(output_type=np.array([3])),
    },
    edges=[("input", "conv"), ("conv", "cuba1"), ("cuba1", "flat"), ("flat", "fc"), ("fc", "cuba2"), ("cuba2", "output")],
)
nir.write(out / "nir-conv-cubalif.nir", cuba_net)

# 4. A residual block with IF neurons: if0 feeds conv_a → if_a → conv_b and, directly (the identity
#    shortcut), if_b, which NIR sums; for the import of residual blocks and the Norse comparison
#    (Scripts/nir_compare.py, part E).
res_w = {k: rng.normal(0, 0.6, size=shape).astype(np.float32)
         for k, shape in [("conv", (3, 1, 3, 3)), ("conv_a", (3, 3, 3, 3)), ("conv_b", (3, 3, 3, 3))]}
res_fc = rng.normal(0, 0.4, size=(2, 3 * 6 * 6)).astype(np.float32)
ones = lambda *shape: np.ones(shape, dtype=np.float32)
res_net = nir.NIRGraph(
    nodes={
        "input": nir.Input(input_type=np.array([1, 6, 6])),
        **{k: nir.Conv2d(input_shape=(6, 6), weight=w, stride=1, padding=1, dilation=1, groups=1, bias=np.zeros(3, dtype=np.float32))
           for k, w in res_w.items()},
        "if0": nir.IF(r=ones(3, 6, 6), v_threshold=ones(3, 6, 6)),
        "if_a": nir.IF(r=ones(3, 6, 6), v_threshold=ones(3, 6, 6)),
        "if_b": nir.IF(r=ones(3, 6, 6), v_threshold=ones(3, 6, 6)),
        "flat": nir.Flatten(start_dim=0, end_dim=-1, input_type={"input": np.array([3, 6, 6])}),
        "fc": nir.Linear(weight=res_fc),
        "if_out": nir.IF(r=ones(2), v_threshold=ones(2)),
        "output": nir.Output(output_type=np.array([2])),
    },
    edges=[("input", "conv"), ("conv", "if0"), ("if0", "conv_a"), ("conv_a", "if_a"), ("if_a", "conv_b"), ("conv_b", "if_b"),
           ("if0", "if_b"), ("if_b", "flat"), ("flat", "fc"), ("fc", "if_out"), ("if_out", "output")],
)
nir.write(out / "nir-residual-if.nir", res_net)
print("wrote", sorted(p.name for p in out.iterdir()))
