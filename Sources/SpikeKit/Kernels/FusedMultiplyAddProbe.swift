import Dispatch

/// Detects, by timing, whether this build of the library has hardware fused multiply-adds.
///
/// Swift has no compile-time test for a target feature, and the failure it guards against is silent:
/// built for the default x86-64 target (no FMA), every `SIMD.addProduct` lane becomes a call to the C
/// library's `fmaf`, and the GEMM falls from ~150 to under 1 GFLOP/s (DESIGN §10). The probe runs the
/// same dependent-chain loop twice, once with `addProduct` and once with a separate multiply and add,
/// and reports the ratio of their times: about 1 (or below) with native FMA, tens without.
/// `GEMMBenchmark` reports it as `fusedMultiplyAdd`; see `Benchmarks/README.md`.
enum FusedMultiplyAddProbe {
    /// Best-of-5 time of the fused loop divided by that of the unfused loop.
    static func slowdown(iterations: Int = 200_000) -> Double {
        // Inputs the optimiser cannot see (it would otherwise specialise the loops on constants).
        let unknown = Float(DispatchTime.now().uptimeNanoseconds % 2)
        let x = SIMD16<Float>(repeating: 1e-7 * (1 + unknown)), y = SIMD16<Float>(repeating: 1 + unknown)
        var fused = Double.infinity, unfused = Double.infinity
        for repetition in 0..<5 {
            // A different start each time, so no call can be hoisted out of the repetitions.
            let start = y + Float(repetition) * unknown
            fused = min(fused, time { fusedLoop(x, start, iterations: iterations) })
            unfused = min(unfused, time { unfusedLoop(x, start, iterations: iterations) })
        }
        return fused / max(unfused, 1e-9)
    }

    private static func time(_ body: () -> SIMD16<Float>) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body()
        let end = DispatchTime.now().uptimeNanoseconds
        // Keep the result observable so the loop is not removed.
        if result[0].isNaN { print("", terminator: "") }
        return Double(end - start)
    }

    // Four independent accumulators, so both loops are bound by throughput, not one chain's latency.
    @inline(never)
    static func fusedLoop(_ x: SIMD16<Float>, _ y: SIMD16<Float>, iterations: Int) -> SIMD16<Float> {
        var a = y, b = y + y, c = y * 3, d = y * 4
        for _ in 0..<iterations {
            a.addProduct(a, x); b.addProduct(b, x); c.addProduct(c, x); d.addProduct(d, x)
        }
        return (a + b) + (c + d)
    }

    @inline(never)
    static func unfusedLoop(_ x: SIMD16<Float>, _ y: SIMD16<Float>, iterations: Int) -> SIMD16<Float> {
        var a = y, b = y + y, c = y * 3, d = y * 4
        for _ in 0..<iterations {
            a += a * x; b += b * x; c += c * x; d += d * x
        }
        return (a + b) + (c + d)
    }
}
