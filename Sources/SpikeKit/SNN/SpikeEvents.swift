/// The sparse output of one layer for one sample at one time step: which neurons (or input pixels)
/// are active, in ascending index order, and with what value.
///
/// Binary spikes carry the value 1 and store no values (`values` is empty and `isBinary` is true);
/// average pooling makes fractional values and the Poisson encoder signed ±1 values, which are stored
/// alongside the indices. Indices address the producing layer's neurons in height-width-channel order
/// (`(y · width + x) · channels + c`), the order in which the next layer's weights are laid out.
///
/// A `SpikeEvents` value is reused from step to step (`removeAll` keeps its capacity), so the
/// simulation's hot loop allocates nothing.
public struct SpikeEvents: Sendable, Equatable {
    /// Active indices, strictly ascending.
    public private(set) var indices: [Int32] = []
    /// One value per index, or empty when every event has the value 1.
    public private(set) var values: [Float] = []
    /// Whether all events have the value 1 (then `values` is empty).
    public private(set) var isBinary: Bool

    public init(binary: Bool = true) { self.isBinary = binary }

    /// Builds events from parallel arrays (values empty for binary events).
    public init(indices: [Int32], values: [Float]) {
        precondition(values.isEmpty || values.count == indices.count,
                     "SpikeEvents: \(indices.count) indices but \(values.count) values")
        self.indices = indices
        self.values = values
        self.isBinary = values.isEmpty
    }

    /// The number of events.
    @inlinable public var count: Int { indices.count }
    @inlinable public var isEmpty: Bool { indices.isEmpty }

    /// The value of the `k`-th event.
    @inlinable public func value(at k: Int) -> Float { isBinary ? 1 : values[k] }

    /// Appends a binary event; indices must be appended in ascending order.
    public mutating func append(_ index: Int32) {
        assert(isBinary, "append(_:) on valued events")
        assert(indices.last.map { $0 < index } ?? true, "SpikeEvents must be ascending")
        indices.append(index)
    }

    /// Appends binary events, ascending and above every index already held.
    public mutating func append(binary newIndices: ArraySlice<Int32>) {
        assert(isBinary, "append(binary:) on valued events")
        assert(newIndices.first.map { first in indices.last.map { $0 < first } ?? true } ?? true, "SpikeEvents must be ascending")
        indices.append(contentsOf: newIndices)
    }

    /// Appends valued events (as many values as indices), ascending and above every index already held.
    public mutating func append(indices newIndices: ArraySlice<Int32>, values newValues: ArraySlice<Float>) {
        assert(!isBinary, "append(indices:values:) on binary events")
        precondition(newIndices.count == newValues.count, "SpikeEvents: \(newIndices.count) indices but \(newValues.count) values")
        assert(newIndices.first.map { first in indices.last.map { $0 < first } ?? true } ?? true, "SpikeEvents must be ascending")
        indices.append(contentsOf: newIndices)
        values.append(contentsOf: newValues)
    }

    /// Appends binary events from memory another thread filled (ascending, above every index held).
    mutating func append(binary newIndices: UnsafeBufferPointer<Int32>) {
        assert(isBinary, "append(binary:) on valued events")
        assert(newIndices.first.map { first in indices.last.map { $0 < first } ?? true } ?? true, "SpikeEvents must be ascending")
        indices.append(contentsOf: newIndices)
    }

    /// Appends valued events from memory another thread filled (ascending, above every index held).
    mutating func append(indices newIndices: UnsafeBufferPointer<Int32>, values newValues: UnsafeBufferPointer<Float>) {
        assert(!isBinary, "append(indices:values:) on binary events")
        precondition(newIndices.count == newValues.count, "SpikeEvents: \(newIndices.count) indices but \(newValues.count) values")
        assert(newIndices.first.map { first in indices.last.map { $0 < first } ?? true } ?? true, "SpikeEvents must be ascending")
        indices.append(contentsOf: newIndices)
        values.append(contentsOf: newValues)
    }

    /// Appends a valued event; indices must be appended in ascending order.
    public mutating func append(_ index: Int32, value: Float) {
        assert(!isBinary, "append(_:value:) on binary events")
        assert(indices.last.map { $0 < index } ?? true, "SpikeEvents must be ascending")
        indices.append(index)
        values.append(value)
    }

    /// Empties the list, keeping its storage, and sets whether the next events are binary.
    public mutating func removeAll(binary: Bool) {
        indices.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        isBinary = binary
    }

    /// Whether indices are strictly ascending and within `0..<bound` (the invariant every consumer relies on).
    public func isValid(bound: Int) -> Bool {
        var previous: Int32 = -1
        for i in indices {
            if i <= previous || Int(i) >= bound { return false }
            previous = i
        }
        return values.isEmpty || values.count == indices.count
    }

    /// The dense vector these events stand for (zeros elsewhere); for tests and the dense reference.
    public func dense(count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        for k in 0..<indices.count { out[Int(indices[k])] = value(at: k) }
        return out
    }
}
