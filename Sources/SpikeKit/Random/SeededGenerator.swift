/// A small, fast, seedable pseudo-random generator: xoshiro256** (Blackman & Vigna, 2018),
/// seeded through SplitMix64.
///
/// Every random choice in SpikeKit flows from the config's `seed`. Work that runs in parallel
/// (one sample per iteration) takes its own generator from `SeededGenerator(seed:stream:)`, a
/// stream keyed by a purpose and an index (epoch, sample, layer, ...), so the numbers a sample sees
/// never depend on which thread ran it or in which order.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator seeded from `seed` alone.
    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        // xoshiro's state must not be all zero; SplitMix64 never yields four zeros, but be explicit.
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// An independent stream: the generator for (`seed`, `stream...`), e.g. `(seed, [epoch, sample])`.
    ///
    /// The stream keys are mixed into the seed with SplitMix64's finaliser, one key at a time, so
    /// nearby keys give unrelated streams.
    public init(seed: UInt64, stream: [UInt64]) {
        var mixed = seed
        for key in stream {
            var sm = SplitMix64(state: mixed ^ (key &* 0xD1B5_4A32_D192_ED03))
            mixed = sm.next()
        }
        self.init(seed: mixed)
    }

    /// Convenience for integer stream keys.
    public init(seed: UInt64, stream: Int...) {
        self.init(seed: seed, stream: stream.map { UInt64(bitPattern: Int64($0)) })
    }

    @inlinable
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = SeededGenerator.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = SeededGenerator.rotl(s3, 45)
        return result
    }

    /// A uniform `Float` in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A standard normal sample (Box–Muller; uses two uniforms per call, no cached state, so the
    /// sequence is a pure function of the stream position).
    public mutating func nextNormal(mean: Float = 0, standardDeviation: Float = 1) -> Float {
        var u1 = nextUniformDouble()
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = nextUniformDouble()
        let z = (-2.0 * _log(u1)).squareRoot() * _cos(2.0 * Double.pi * u2)
        return mean + standardDeviation * Float(z)
    }

    /// `true` with probability `p`.
    @inlinable
    public mutating func nextBernoulli(_ p: Float) -> Bool { nextUniform() < p }

    /// A uniform integer in `0..<upperBound` (multiply-shift, Lemire 2019; the bias is below 2^-32
    /// for any bound a dataset can have, and the mapping is fixed here rather than left to the standard
    /// library, whose `random(in:using:)` algorithm may change between versions).
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "nextInt(below:) needs a positive bound")
        // Parenthesised: in Swift `>>` binds tighter than `&*`.
        return Int(((next() >> 32) &* UInt64(upperBound)) >> 32)
    }
}

/// SplitMix64 (Steele, Lea & Flood, 2014): used to expand a 64-bit seed into xoshiro state.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }

extension Array where Element == Float {
    /// `count` standard-normal samples scaled by `standardDeviation` (used for He initialisation).
    public static func normal(count: Int, standardDeviation: Float, using generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in generator.nextNormal(standardDeviation: standardDeviation) }
    }
}

extension MutableCollection where Self: RandomAccessCollection {
    /// Fisher–Yates shuffle driven by a `SeededGenerator`, identical on every platform (the standard
    /// library's `shuffle(using:)` is not guaranteed to stay the same across versions).
    public mutating func seededShuffle(using generator: inout SeededGenerator) {
        guard count > 1 else { return }
        var i = endIndex
        var remaining = count
        while remaining > 1 {
            formIndex(before: &i)
            let j = index(startIndex, offsetBy: Int(generator.next() % UInt64(remaining)))
            swapAt(i, j)
            remaining -= 1
        }
    }
}
