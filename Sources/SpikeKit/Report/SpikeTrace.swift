import Foundation

/// Every event of a few test images, as a compact address-event (AER) file that hardware and
/// network-on-chip simulators can replay, and as CSV.
///
/// Populations: index 0 is `input`, the encoded image (events only under Poisson encoding, ±1;
/// direct input enters the first layer as an analog current and has none); indices 1, 2, ... are the
/// network's spiking populations in `SpikingNetwork.populations` order (a residual block contributes
/// `<block>.conv1` and `<block>.conv2`). The output layer only accumulates and never spikes, so it has
/// no entry. Neurons are numbered in height-width-channel order, `(y · width + x) · channels + c`.
///
/// `spikes.aer` layout, every number little-endian:
///
/// | offset | bytes | field |
/// |---|---|---|
/// | 0 | 4 | magic `SKAE` (0x53 0x4B 0x41 0x45) |
/// | 4 | 2 | format version, UInt16 = 1 |
/// | 6 | 2 | bytes per event, UInt16 = 16 |
/// | 8 | 4 | images, UInt32 |
/// | 12 | 4 | time steps T, UInt32 (at most 65,535) |
/// | 16 | 8 | events E, UInt64 |
/// | 24 | 4 | header length L, UInt32 |
/// | 28 | L | UTF-8 JSON: `{"encoding", "ordering", "populations": [{"name", "size", "height", "width", "channels"}]}`, padded with spaces so that 28 + L is a multiple of 16 |
/// | 28 + L | 16 · E | events |
///
/// Each event is 16 bytes: image UInt32 (0-based, in test-set order), time step UInt16 (0-based),
/// population UInt16 (index into `populations`), neuron UInt32, value Float32 (1 for a spike). Events
/// are sorted by image, then step, then population, then neuron. `spikes.csv` holds the same events
/// as `image,step,layer,neuron,value` rows with the population's name as `layer`.
public struct SpikeTrace: Sendable, Equatable {
    /// One population of the file's table.
    public struct Population: Codable, Sendable, Equatable {
        public var name: String
        public var size: Int
        public var height: Int
        public var width: Int
        public var channels: Int

        public init(name: String, shape: FeatureShape) {
            self.name = name
            size = shape.count
            height = shape.height
            width = shape.width
            channels = shape.channels
        }
    }

    /// One event as stored.
    public struct Event: Sendable, Equatable {
        public var image: UInt32
        public var step: UInt16
        public var population: UInt16
        public var neuron: UInt32
        public var value: Float

        public init(image: UInt32, step: UInt16, population: UInt16, neuron: UInt32, value: Float) {
            self.image = image
            self.step = step
            self.population = population
            self.neuron = neuron
            self.value = value
        }
    }

    public static let aerFileName = "spikes.aer"
    public static let csvFileName = "spikes.csv"
    static let magic: [UInt8] = Array("SKAE".utf8)
    static let version: UInt16 = 1
    static let eventSize = 16
    static let fixedHeaderSize = 28

    public var images: Int
    public var timeSteps: Int
    public var encoding: String
    public var ordering: String
    public var populations: [Population]
    public var events: [Event]

    public init(images: Int, timeSteps: Int, encoding: String, ordering: String, populations: [Population], events: [Event]) {
        self.images = images
        self.timeSteps = timeSteps
        self.encoding = encoding
        self.ordering = ordering
        self.populations = populations
        self.events = events
    }

    /// The trace of the first `images` samples of a simulation of `network` run with
    /// `captureEventsForSamples ≥ images`.
    public init(record: SimulationRecord, network: SpikingNetwork, images: Int, encoding: InputEncoding,
                ordering: SpikeOrdering) throws {
        guard let captured = record.events else {
            throw SpikeKitError.runtime("the simulation captured no events (set SimulationOptions.captureEventsForSamples)")
        }
        guard record.timeSteps <= Int(UInt16.max) else {
            throw SpikeKitError.runtime("spike traces store steps as 16-bit numbers; T = \(record.timeSteps) is above \(UInt16.max)")
        }
        let spiking = network.populations.filter { !$0.isOutput }
        guard network.populations.map(\.name) == record.populationNames else {
            throw SpikeKitError.runtime("the record's populations \(record.populationNames) are not those of the network")
        }
        self.images = min(images, record.samples)
        timeSteps = record.timeSteps
        self.encoding = encoding.rawValue
        self.ordering = ordering.rawValue
        populations = [Population(name: "input", shape: network.inputShape)]
            + spiking.map { Population(name: $0.name, shape: $0.shape) }
        let limit = Int32(self.images)
        events = captured.compactMap { e in
            guard e.sample < limit else { return nil }
            return Event(image: UInt32(e.sample), step: UInt16(e.step), population: UInt16(e.population + 1),
                         neuron: UInt32(e.neuron), value: e.value)
        }
    }

    /// `counts[image][population][step]`: the number of events.
    public func eventCounts() -> [[[Int]]] {
        var counts = Array(repeating: Array(repeating: [Int](repeating: 0, count: timeSteps), count: populations.count),
                           count: images)
        for e in events { counts[Int(e.image)][Int(e.population)][Int(e.step)] += 1 }
        return counts
    }

    // MARK: Writing

    /// The bytes of `spikes.aer`.
    public func aerData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        struct Header: Codable { var encoding: String; var ordering: String; var populations: [Population] }
        var json = (try? encoder.encode(Header(encoding: encoding, ordering: ordering, populations: populations)))
            .map { [UInt8]($0) } ?? Array("{}".utf8)
        // Spaces are JSON whitespace: the padding keeps the events 16-byte aligned.
        json += [UInt8](repeating: 0x20, count: (16 - (Self.fixedHeaderSize + json.count) % 16) % 16)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.fixedHeaderSize + json.count + events.count * Self.eventSize)
        bytes += Self.magic
        Self.append(UInt64(Self.version), bytes: 2, to: &bytes)
        Self.append(UInt64(Self.eventSize), bytes: 2, to: &bytes)
        Self.append(UInt64(images), bytes: 4, to: &bytes)
        Self.append(UInt64(timeSteps), bytes: 4, to: &bytes)
        Self.append(UInt64(events.count), bytes: 8, to: &bytes)
        Self.append(UInt64(json.count), bytes: 4, to: &bytes)
        bytes += json
        for e in events {
            Self.append(UInt64(e.image), bytes: 4, to: &bytes)
            Self.append(UInt64(e.step), bytes: 2, to: &bytes)
            Self.append(UInt64(e.population), bytes: 2, to: &bytes)
            Self.append(UInt64(e.neuron), bytes: 4, to: &bytes)
            Self.append(UInt64(e.value.bitPattern), bytes: 4, to: &bytes)
        }
        return Data(bytes)
    }

    /// The CSV table: a header row, then `image,step,layer,neuron,value` per event.
    public func csv() -> String {
        var lines = ["image,step,layer,neuron,value"]
        lines.reserveCapacity(events.count + 1)
        for e in events {
            let value = e.value == 1 ? "1" : e.value == -1 ? "-1" : "\(e.value)"
            lines.append("\(e.image),\(e.step),\(populations[Int(e.population)].name),\(e.neuron),\(value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `spikes.aer` and `spikes.csv` into `directory`, atomically.
    public func write(to directory: URL) throws {
        try AtomicFile.write(aerData(), to: directory.appendingPathComponent(Self.aerFileName))
        try AtomicFile.write(csv(), to: directory.appendingPathComponent(Self.csvFileName))
    }

    static func append(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
        for k in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
    }

    // MARK: Reading

    /// Reads and validates an AER file.
    public static func read(from url: URL) throws -> SpikeTrace {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SpikeKitError.io(path: url.path, reason: "cannot read (\(error.localizedDescription))")
        }
        return try decode(data, path: url.path)
    }

    /// Validates and decodes the bytes of an AER file: magic, version, sizes, the header JSON, and
    /// every event's image, step, population and neuron against the header. `path` names it in errors.
    public static func decode(_ data: Data, path: String) throws -> SpikeTrace {
        let bytes = [UInt8](data)
        func fail(_ reason: String, at offset: Int?) -> SpikeKitError { .dataFile(path: path, offset: offset, reason: reason) }
        func number(_ offset: Int, _ count: Int) -> UInt64 {
            (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        }
        guard bytes.count >= fixedHeaderSize else {
            throw fail("the file has \(bytes.count) bytes, too short for the \(fixedHeaderSize)-byte header of a spike trace", at: nil)
        }
        guard Array(bytes[0..<4]) == magic else { throw fail("not a SpikeKit spike trace (the magic number is not 'SKAE')", at: 0) }
        let version = number(4, 2)
        guard version == UInt64(Self.version) else {
            throw fail("unsupported version \(version); this SpikeKit reads version \(Self.version)", at: 4)
        }
        guard number(6, 2) == UInt64(eventSize) else { throw fail("events of \(number(6, 2)) bytes; expected \(eventSize)", at: 6) }
        let images = number(8, 4), timeSteps = number(12, 4), count = number(16, 8), headerLength = number(24, 4)
        guard timeSteps <= UInt64(UInt16.max) else { throw fail("\(timeSteps) time steps exceed the 16-bit step field", at: 12) }
        let eventsStart = UInt64(fixedHeaderSize) + headerLength
        let (eventBytes, overflow) = count.multipliedReportingOverflow(by: UInt64(eventSize))
        guard eventsStart <= UInt64(bytes.count), !overflow, eventBytes == UInt64(bytes.count) - eventsStart else {
            throw fail("the header announces \(headerLength) header bytes and \(count) events of \(eventSize) bytes, "
                       + "but the file has \(bytes.count) bytes (truncated?)", at: 16)
        }
        struct Header: Decodable { var encoding: String; var ordering: String; var populations: [Population] }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[fixedHeaderSize..<Int(eventsStart)]))
        } catch {
            throw fail("the header is not the JSON of a spike trace (\(SpikingNetworkCheckpoint.describe(error)))", at: fixedHeaderSize)
        }
        guard header.populations.count <= Int(UInt16.max) + 1,
              header.populations.allSatisfy({ $0.size >= 0 && $0.size <= Int(UInt32.max) + 1 }) else {
            throw fail("the population table is out of range", at: fixedHeaderSize)
        }
        var events: [Event] = []
        events.reserveCapacity(Int(count))
        var offset = Int(eventsStart)
        for k in 0..<Int(count) {
            let e = Event(image: UInt32(number(offset, 4)), step: UInt16(number(offset + 4, 2)),
                          population: UInt16(number(offset + 6, 2)), neuron: UInt32(number(offset + 8, 4)),
                          value: Float(bitPattern: UInt32(number(offset + 12, 4))))
            guard UInt64(e.image) < images, UInt64(e.step) < timeSteps, Int(e.population) < header.populations.count,
                  Int(e.neuron) < header.populations[Int(e.population)].size, e.value.isFinite else {
                throw fail("event \(k) (image \(e.image), step \(e.step), population \(e.population), neuron \(e.neuron), "
                           + "value \(e.value)) lies outside the \(images) images, \(timeSteps) steps and "
                           + "\(header.populations.count) populations of the header", at: offset)
            }
            events.append(e)
            offset += eventSize
        }
        return SpikeTrace(images: Int(images), timeSteps: Int(timeSteps), encoding: header.encoding, ordering: header.ordering,
                          populations: header.populations, events: events)
    }
}
