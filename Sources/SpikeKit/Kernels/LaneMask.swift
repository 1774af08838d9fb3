/// Fast questions about a 16-lane comparison mask. The standard library's `any(_:)` reduces the mask
/// with a generic `min()` that the optimizer does not always inline inside large kernels, and testing
/// `mask[lane]` sixteen times costs about ten times a whole vector step; these reduce the mask's
/// lanes with halving ORs instead. `any` compiles to a single mask test on AVX-512; `bits` takes
/// about ten instructions, so ask `any` first where most masks are empty.
enum LaneMask {
    /// Bit `lane` set where the mask is true.
    @inline(__always)
    static func bits(_ mask: SIMDMask<SIMD16<Int32>>) -> UInt32 {
        let weights = SIMD16<Int32>(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
        let s = mask._storage & weights
        let a = s.lowHalf | s.highHalf
        let b = a.lowHalf | a.highHalf
        let c = b.lowHalf | b.highHalf
        return UInt32(bitPattern: c[0] | c[1])
    }

    /// Whether any lane is true.
    @inline(__always)
    static func any(_ mask: SIMDMask<SIMD16<Int32>>) -> Bool {
        let s = mask._storage
        let a = s.lowHalf | s.highHalf
        let b = a.lowHalf | a.highHalf
        let c = b.lowHalf | b.highHalf
        return (c[0] | c[1]) != 0
    }
}
