#!/usr/bin/env python3
"""Measure NumPy's (OpenBLAS's) single-precision GEMM at m = n = k = 1024 on 1 and 2 threads.

Prints one JSON object in the same shape as `spikekit bench gemm --json`:
    {"library": "numpy ...", "m": 1024, "n": 1024, "k": 1024,
     "results": [{"threads": 1, "gflops": ...}, {"threads": 2, "gflops": ...}]}

BLAS libraries fix their thread count when they are loaded, so unless threadpoolctl is installed
each thread count is measured in a fresh subprocess with OPENBLAS_NUM_THREADS (and the OMP/MKL
equivalents) set. Timing is best of `--repetitions` calls of only the matrix product.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def measure(size, repetitions):
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    c = np.empty((size, size), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up: thread pool start, page faults
    best = float("inf")
    for _ in range(repetitions):
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - start)
    # Check a few entries so a fast wrong answer cannot pass unnoticed.
    for i, j in [(0, 0), (size // 2, size // 3), (size - 1, size - 1)]:
        reference = float(np.dot(a[i, :].astype(np.float64), b[:, j].astype(np.float64)))
        assert abs(reference - float(c[i, j])) <= 1e-3 * (1 + abs(reference)), (i, j)
    return 2.0 * size ** 3 / best / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="*", default=None,
                        help="thread counts to measure (default: 1 and 2)")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child is not None:
        print(json.dumps({"threads": args.child, "gflops": measure(args.size, args.repetitions)}))
        return

    import numpy as np
    threads = args.threads or [1, 2]
    results = []
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    for count in threads:
        if threadpool_limits is not None:
            with threadpool_limits(limits=count, user_api="blas"):
                results.append({"threads": count, "gflops": measure(args.size, args.repetitions)})
        else:
            env = dict(os.environ)
            for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                env[name] = str(count)
            output = subprocess.run(
                [sys.executable, __file__, "--child", str(count), "--size", str(args.size),
                 "--repetitions", str(args.repetitions)],
                env=env, check=True, capture_output=True, text=True).stdout
            results.append(json.loads(output))
    print(json.dumps({"library": f"numpy {np.__version__}", "m": args.size, "n": args.size, "k": args.size,
                      "results": results}))


if __name__ == "__main__":
    main()
