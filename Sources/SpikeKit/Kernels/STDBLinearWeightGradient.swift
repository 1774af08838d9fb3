/// The weight gradient of a linear synapse in STDB, formed for many samples at once from each sample's
/// two factors rather than sample by sample:
///
///     ∂L/∂w_jo = Σ_samples Σ_{events (j, t, v)} v · δ^t_o
///
/// A sample's factors are its input events sorted by input row (`LinearGradientFactors`, recorded by
/// `LinearGradientFactorBuffer`) and its deltas δ^t (T × outputs). A full per-sample gradient (VGG5's fc1 is
/// 6,272 × 4,096 floats, 103 MB) would be zeroed, written, then read again to be added into its
/// group's sum: several passes over memory per sample for a few FLOPs per element. Here each
/// gradient element is loaded and stored once per batch (or per wave of samples): the 64 outputs
/// of a row block stay in registers over every event of every sample, and a task's deltas for its
/// 64 outputs (samples × T × 256 bytes) stay in cache over its rows.
///
/// Summation order, per element (j, o), fixed whatever the thread count: the runs in order (a run is
/// consecutive samples of one group); within a run the samples in order, within a sample the events
/// of row j by ascending step; a run that starts its group accumulates from 0, any other from the
/// group's stored sum; a run that ends a group which is added into another sum adds its total there
/// (one rounding) instead of storing it.
struct LinearGradientFactors {
    /// Row j's events are `rowStart[j] ..< rowStart[j + 1]` of `steps` and `values`.
    var rowStart: UnsafePointer<Int32>
    var steps: UnsafePointer<Int32>
    var values: UnsafePointer<Float>
    /// δ^t at `deltas + t · outputs`.
    var deltas: UnsafePointer<Float>
}

/// Consecutive samples of one group, for `STDBKernels.linearWeightGradient`.
struct LinearGradientRun {
    /// Indices into the factor list.
    var samples: Range<Int>
    /// Index (into the targets) of the group's gradient sum, inputs × outputs.
    var target: Int
    /// The run holds its group's first sample: start from 0, not from the target.
    var startsGroup: Bool
    /// The run holds its group's last sample and the group is then added into this target.
    var foldInto: Int?
}

extension STDBKernels {
    /// Adds the runs' gradients (see `LinearGradientFactors`) into their targets (each inputs × outputs),
    /// on `threads` threads: tasks of 64 outputs × a block of rows, so every element is written by one task.
    static func linearWeightGradient(factors: [LinearGradientFactors], runs: [LinearGradientRun],
                                     targets: [UnsafeMutablePointer<Float>], inputs: Int, outputs: Int, threads: Int) {
        if runs.isEmpty || inputs == 0 || outputs == 0 { return }
        let blocks = (outputs + 63) / 64
        // Enough tasks to balance the cores, rows in blocks of at least 128.
        let rowBlocks = max(1, min(inputs / 128, (8 * threads + blocks - 1) / blocks))
        factors.withUnsafeBufferPointer { f in
        runs.withUnsafeBufferPointer { r in
            let factorList = SendableConstPointer(f), runList = SendableConstPointer(r)
            let factorCount = f.count, runCount = r.count
            let bases = targets.map { SendablePointer($0) }
            parallelFor(blocks * rowBlocks, threads: threads) { task in
                let b = task % blocks, c = task / blocks
                let rows = (inputs * c / rowBlocks)..<(inputs * (c + 1) / rowBlocks)
                let columns = (b * 64)..<min(outputs, b * 64 + 64)
                var o = columns.lowerBound
                let factors = UnsafeBufferPointer(start: factorList.base, count: factorCount)
                let runs = UnsafeBufferPointer(start: runList.base, count: runCount)
                while o + 64 <= columns.upperBound {
                    accumulate(FourVectors.self, factors, runs, bases, outputs: outputs, rows: rows, column: o)
                    o += 64
                }
                while o + 16 <= columns.upperBound {
                    accumulate(SIMD16<Float>.self, factors, runs, bases, outputs: outputs, rows: rows, column: o)
                    o += 16
                }
                while o < columns.upperBound {
                    accumulate(Float.self, factors, runs, bases, outputs: outputs, rows: rows, column: o)
                    o += 1
                }
            }
        } }
    }

    /// One block of lanes (64, 16 or 1 outputs) at `column` for every row of `rows`.
    @inline(__always)
    private static func accumulate<V: GradientLane>(_: V.Type, _ factors: UnsafeBufferPointer<LinearGradientFactors>,
                                                    _ runs: UnsafeBufferPointer<LinearGradientRun>,
                                                    _ targets: [SendablePointer<Float>], outputs: Int,
                                                    rows: Range<Int>, column: Int) {
        for j in rows {
            let offset = j &* outputs &+ column
            for run in runs {
                let target = targets[run.target].base + offset
                var acc = run.startsGroup ? V.zero : V.load(target)
                for n in run.samples {
                    let f = factors[n]
                    let deltas = f.deltas + column
                    for k in Int(f.rowStart[j])..<Int(f.rowStart[j &+ 1]) {
                        let delta = V.load(deltas + Int(f.steps[k]) &* outputs)
                        acc = acc.addingProduct(f.values[k], delta)
                    }
                }
                if let f = run.foldInto {
                    let fold = targets[f].base + offset
                    (V.load(fold) + acc).store(to: fold)
                } else {
                    acc.store(to: target)
                }
            }
        }
    }
}

/// One sample's factors of one linear synapse's weight gradient (`LinearGradientFactors`), in memory
/// that stays where it is until the samples' gradients are summed; reused sample after sample.
/// Sendable because a parallel loop hands each buffer to one iteration (one sample) at a time, and
/// it is read only after that loop has ended.
final class LinearGradientFactorBuffer: @unchecked Sendable {
    private let rowStart = PinnedArray<Int32>()
    private let steps = PinnedArray<Int32>()
    private let values = PinnedArray<Float>()
    private let deltas = PinnedArray<Float>()
    /// Whether `record` ran since `clear`.
    private(set) var isRecorded = false

    init() {}

    func clear() { isRecorded = false }

    /// The recorded factors (valid until the next `record`).
    var factors: LinearGradientFactors {
        LinearGradientFactors(rowStart: rowStart.base, steps: steps.base, values: values.base, deltas: deltas.base)
    }

    /// Records a sample's input events of all steps, sorted by input (each `segments` entry holds one
    /// step's events, in ascending step order; `valueStart` < 0 for binary events of value 1), and its
    /// deltas (`deltaCount` floats of `delta`, step t at t · outputs).
    func record(indices: [Int32], values eventValues: [Float],
                segments: [(start: Int, count: Int, valueStart: Int, step: Int)], inputs: Int,
                delta: [Float], deltaCount: Int) {
        var total = 0
        for segment in segments { total += segment.count }
        rowStart.reserve(inputs + 1)
        steps.reserve(total)
        values.reserve(total)
        deltas.reserve(deltaCount)
        let start = rowStart.base, st = steps.base, ev = values.base
        indices.withUnsafeBufferPointer { idx in
        eventValues.withUnsafeBufferPointer { val in
            // Counting sort: count per row (shifted by one), prefix sums, then place; steps stay
            // ascending within a row because the segments come in step order.
            start.initialize(repeating: 0, count: inputs + 1)
            for segment in segments {
                for e in segment.start..<(segment.start + segment.count) { start[Int(idx[e]) + 1] += 1 }
            }
            for j in 0..<inputs { start[j + 1] += start[j] }
            for segment in segments {
                for e in 0..<segment.count {
                    let j = Int(idx[segment.start + e])
                    let slot = Int(start[j])
                    st[slot] = Int32(segment.step)
                    ev[slot] = segment.valueStart < 0 ? 1 : val[segment.valueStart + e]
                    start[j] += 1
                }
            }
            // Each start[j] now holds row j's end: shift back by one row.
            var previous: Int32 = 0
            for j in 0..<inputs {
                let end = start[j]
                start[j] = previous
                previous = end
            }
        } }
        delta.withUnsafeBufferPointer { d in
            if let source = d.baseAddress { deltas.base.initialize(from: source, count: deltaCount) }
        }
        isRecorded = true
    }
}

/// A growable buffer of trivial elements whose storage does not move between growths (its contents
/// are not kept when it grows); for `LinearGradientFactorBuffer`.
private final class PinnedArray<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private var capacity = 1

    init() { base = UnsafeMutablePointer<Element>.allocate(capacity: 1) }

    deinit { base.deallocate() }

    /// Room for `count` elements.
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        base.deallocate()
        capacity = max(count, capacity + capacity / 2)
        base = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
    }
}

/// A block of consecutive gradient elements held in registers by `linearWeightGradient`: 64 floats
/// (`FourVectors`), 16 (`SIMD16`), or one float for the tail.
protocol GradientLane {
    static var zero: Self { get }
    static func load(_ pointer: UnsafePointer<Float>) -> Self
    func store(to pointer: UnsafeMutablePointer<Float>)
    /// self + v · delta, each lane rounded once (the standard library's fused multiply-add).
    func addingProduct(_ v: Float, _ delta: Self) -> Self
    static func + (a: Self, b: Self) -> Self
}

/// 64 floats as four 16-lane vectors: kept in four registers (a `SIMD64` is spilled to the stack).
struct FourVectors: GradientLane {
    var a0, a1, a2, a3: SIMD16<Float>

    @inline(__always) static var zero: FourVectors { FourVectors(a0: .zero, a1: .zero, a2: .zero, a3: .zero) }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> FourVectors {
        let raw = UnsafeRawPointer(pointer)
        return FourVectors(a0: raw.loadUnaligned(as: SIMD16<Float>.self),
                           a1: raw.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self),
                           a2: raw.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self),
                           a3: raw.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self))
    }

    @inline(__always)
    func store(to pointer: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(pointer)
        raw.storeBytes(of: a0, as: SIMD16<Float>.self)
        raw.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
        raw.storeBytes(of: a2, toByteOffset: 128, as: SIMD16<Float>.self)
        raw.storeBytes(of: a3, toByteOffset: 192, as: SIMD16<Float>.self)
    }

    @inline(__always)
    func addingProduct(_ v: Float, _ delta: FourVectors) -> FourVectors {
        FourVectors(a0: a0.addingProduct(v, delta.a0), a1: a1.addingProduct(v, delta.a1),
                    a2: a2.addingProduct(v, delta.a2), a3: a3.addingProduct(v, delta.a3))
    }

    @inline(__always)
    static func + (a: FourVectors, b: FourVectors) -> FourVectors {
        FourVectors(a0: a.a0 + b.a0, a1: a.a1 + b.a1, a2: a.a2 + b.a2, a3: a.a3 + b.a3)
    }
}

extension SIMD16: GradientLane where Scalar == Float {
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Self { UnsafeRawPointer(pointer).loadUnaligned(as: Self.self) }
    @inline(__always)
    func store(to pointer: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self) }
}

extension Float: GradientLane {
    @inline(__always) static func load(_ pointer: UnsafePointer<Float>) -> Float { pointer.pointee }
    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) { pointer.pointee = self }
}
