import Foundation

/// Test-set simulations shared among MPI ranks: each rank simulates a contiguous share of the
/// batches, and the ranks' records are gathered in rank order and merged with `appending`, the merge
/// a single process applies batch by batch. Counts are integer sums, the input-current maximum a
/// maximum and the outputs a concatenation, so the merged record is the single process's exactly.
extension SimulationRecord {
    /// `local` merged with every other rank's record in rank order; `local` itself without MPI.
    /// The spike raster (of the first batch) is rank 0's.
    static func mergedAcrossRanks(_ local: SimulationRecord?) -> SimulationRecord? {
        guard let communicator = DataParallel.active else { return local }
        var gathered: [UInt8] = []
        communicator.orderedSum(&gathered) { buffer in
            let mine = local?.packedCounts() ?? []
            withUnsafeBytes(of: Int64(mine.count).littleEndian) { buffer.append(contentsOf: $0) }
            buffer.append(contentsOf: mine)
        }
        var reader = ByteReader(bytes: gathered)
        var merged: SimulationRecord?
        while reader.remaining > 0 {
            let length = Int(reader.int64())
            let part = reader.bytes(length)
            // A rank with no batch (more ranks than batches) sent nothing.
            guard length > 0 else { continue }
            let record = SimulationRecord.unpackingCounts(part)
            merged = merged.map { $0.appending(record) } ?? record
        }
        if communicator.rank == 0 { merged?.raster = local?.raster }
        return merged
    }

    /// The steps, samples, population and synapse names and sizes, the spike, update and
    /// synaptic-operation counts, the input-current maxima and the outputs.
    func packedCounts() -> [UInt8] {
        var bytes: [UInt8] = []
        func append<T>(_ values: [T]) {
            withUnsafeBytes(of: Int64(values.count).littleEndian) { bytes.append(contentsOf: $0) }
            values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        append([Int64(timeSteps), Int64(samples), Int64(populationNames.count), Int64(synapseNames.count)])
        for name in populationNames + synapseNames { append(Array(name.utf8)) }
        append(populationSizes.map(Int64.init))
        for row in spikes + neuronUpdates + synapticOps { append(row) }
        append(maxInputCurrent)
        let steps = outputs.keys.sorted()
        append(steps.map(Int64.init))
        for step in steps {
            let tensor = outputs[step] ?? Tensor(shape: [0, 0])
            append(tensor.shape.map(Int64.init))
            append(tensor.scalars)
        }
        return bytes
    }

    /// The record `packedCounts` wrote (without raster, last-spike times or captured events: a
    /// shared simulation does not record them).
    static func unpackingCounts(_ bytes: [UInt8]) -> SimulationRecord {
        var reader = ByteReader(bytes: bytes)
        let header = reader.array(Int64.self).map(Int.init) + [0, 0, 0, 0]
        let (timeSteps, samples, populations, synapses) = (header[0], header[1], header[2], header[3])
        let populationNames = (0..<populations).map { _ in String(decoding: reader.array(UInt8.self), as: UTF8.self) }
        let synapseNames = (0..<synapses).map { _ in String(decoding: reader.array(UInt8.self), as: UTF8.self) }
        let populationSizes = reader.array(Int64.self).map(Int.init)
        let spikes = (0..<populations).map { _ in reader.array(Int64.self) }
        let neuronUpdates = (0..<populations).map { _ in reader.array(Int64.self) }
        let synapticOps = (0..<synapses).map { _ in reader.array(Int64.self) }
        let maxInputCurrent = reader.array(Float.self)
        var outputs: [Int: Tensor] = [:]
        for step in reader.array(Int64.self) {
            let shape = reader.array(Int64.self).map(Int.init)
            outputs[Int(step)] = Tensor(shape: shape, scalars: reader.array(Float.self))
        }
        return SimulationRecord(timeSteps: timeSteps, samples: samples, populationNames: populationNames,
                                populationSizes: populationSizes, spikes: spikes, neuronUpdates: neuronUpdates,
                                maxInputCurrent: maxInputCurrent, synapseNames: synapseNames, synapticOps: synapticOps,
                                outputs: outputs, lastSpike: nil, raster: nil, events: nil)
    }
}

/// Reads what the packers above wrote (this process's byte order: every rank runs the same build).
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var remaining: Int { bytes.count - offset }

    mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, offset + max(0, count))
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    mutating func int64() -> Int64 {
        let raw = bytes(8)
        guard raw.count == 8 else { return 0 }
        return raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
    }

    /// A length-prefixed array.
    mutating func array<T>(_ type: T.Type) -> [T] {
        let count = Int(int64())
        let raw = bytes(count * MemoryLayout<T>.stride)
        return raw.withUnsafeBytes { Array($0.bindMemory(to: T.self).prefix(raw.count / MemoryLayout<T>.stride)) }
    }
}
