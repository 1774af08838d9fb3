/// The neurons of one population that one worker owns when several workers share a sample
/// (neuron-block parallelism, for batches smaller than the thread count).
///
/// A population of several positions is split into bands of whole rows, so that every convolution
/// run (one output row), every pooling window (whole rows of `kernel` when it tiles the map) and
/// every position's channel vector stays with one worker; a single-position population (a linear
/// layer's 1 × 1 × N) is split by channels, in multiples of 16 so SIMD vectors stay whole. Either
/// way a band's neurons are one contiguous range of the height-width-channel order, and bands in
/// worker order concatenate to the whole population, so the spike lists of the bands, joined in
/// worker order, are the population's spike list.
struct NeuronBand: Sendable, Equatable {
    /// Positions (y·width + x) of the band.
    var positions: Range<Int>
    /// Channels of each of those positions.
    var channels: Range<Int>

    /// Every neuron of a population of `shape`.
    static func full(_ shape: FeatureShape) -> NeuronBand {
        NeuronBand(positions: 0..<shape.positions, channels: 0..<shape.channels)
    }

    /// No neuron (a worker that owns nothing of a small population).
    static let empty = NeuronBand(positions: 0..<0, channels: 0..<0)

    var isEmpty: Bool { positions.isEmpty || channels.isEmpty }

    /// Whether this band covers every neuron of `shape`.
    func isFull(_ shape: FeatureShape) -> Bool { self == .full(shape) }

    /// The band's neurons as indices into the population (contiguous by construction).
    func neurons(channelsPerPosition c: Int) -> Range<Int> {
        if isEmpty { return 0..<0 }
        if positions.count == 1 { return (positions.lowerBound * c + channels.lowerBound)..<(positions.lowerBound * c + channels.upperBound) }
        return (positions.lowerBound * c)..<(positions.upperBound * c)
    }

    /// Band `worker` of `workers` for a population of `shape`; `rowsPerUnit` rows are never split
    /// (the pooling stride when pooling is fused into the population's step, else 1).
    static func split(_ shape: FeatureShape, worker: Int, of workers: Int, rowsPerUnit: Int = 1) -> NeuronBand {
        precondition(workers >= 1 && worker >= 0 && worker < workers && rowsPerUnit >= 1,
                     "NeuronBand.split: worker \(worker) of \(workers), \(rowsPerUnit) rows per unit")
        if shape.positions == 1 {
            let units = (shape.channels + 15) / 16
            let first = units * worker / workers, last = units * (worker + 1) / workers
            let channels = min(shape.channels, 16 * first)..<min(shape.channels, 16 * last)
            return channels.isEmpty ? .empty : NeuronBand(positions: 0..<1, channels: channels)
        }
        let units = (shape.height + rowsPerUnit - 1) / rowsPerUnit
        let first = units * worker / workers, last = units * (worker + 1) / workers
        let rows = min(shape.height, first * rowsPerUnit)..<min(shape.height, last * rowsPerUnit)
        return rows.isEmpty ? .empty
            : NeuronBand(positions: (rows.lowerBound * shape.width)..<(rows.upperBound * shape.width), channels: 0..<shape.channels)
    }
}
