import Foundation
import Testing
@testable import SpikeKit

/// Captured events and the AER spike-trace file: the events are exactly the simulation's spikes, the
/// file round-trips through its reader, its layout is the documented one, and damaged files are refused.
@Suite struct SpikeTraceTests {
    typealias R = RandomSpikingNetworks

    static let input = FeatureShape(height: 9, width: 8, channels: 2)
    static let network = R.convolutional(seed: 7, input: input, leak: 1, reset: .subtract, maxPool: true,
                                         residual: true, projectionShortcut: true)

    func simulate(_ images: Tensor, encoding: InputEncoding, capture: Int, first: Int = 0) throws -> SimulationRecord {
        let options = SimulationOptions(timeSteps: 11, encoding: encoding, ordering: .delayed, seed: 5, checkpoints: [3],
                                        firstSampleIndex: first, recordLastSpike: true, threads: 2,
                                        captureEventsForSamples: capture)
        return try EventScheduler(network: Self.network).run(images: images, options: options)
    }

    @Test(arguments: InputEncoding.allCases)
    func capturedEventsAreTheSimulationsSpikes(encoding: InputEncoding) throws {
        let images = R.images(4, Self.input, seed: 3, lower: encoding == .poisson ? -1 : 0)
        let plain = try simulate(images, encoding: encoding, capture: 0)
        let captured = try simulate(images, encoding: encoding, capture: 4)
        #expect(plain.events == nil)
        expectIdentical(plain, captured, "capturing changes nothing else")
        let trace = try SpikeTrace(record: captured, network: Self.network, images: 4, encoding: encoding, ordering: .delayed)
        #expect(trace.populations.map(\.name) == ["input", "conv1", "conv2", "block.conv1", "block.conv2"])
        #expect(trace.populations[0].size == Self.input.count)
        let counts = trace.eventCounts()
        // Summed over the images, the events of each population and step are the record's spike counts.
        for p in 0..<captured.populationNames.count - 1 {
            for t in 0..<11 {
                #expect(counts.reduce(0) { $0 + $1[p + 1][t] } == Int(captured.spikes[p][t]), "population \(p) step \(t)")
            }
        }
        #expect(captured.spikes.joined().reduce(0, +) > 0)
        // Image by image, they are the spike counts of that image simulated alone.
        for n in 0..<4 {
            let alone = try simulate(images.slice(n..<n + 1), encoding: encoding, capture: 1, first: n)
            for p in 0..<alone.populationNames.count - 1 {
                #expect(counts[n][p + 1] == alone.spikes[p].map { Int($0) }, "image \(n) population \(p)")
            }
            let mine = trace.events.filter { $0.image == n }
            let single = try SpikeTrace(record: alone, network: Self.network, images: 1, encoding: encoding, ordering: .delayed)
            #expect(mine.map(\.neuron) == single.events.map(\.neuron) && mine.map(\.step) == single.events.map(\.step))
        }
        // Input events: Poisson ±1 events, exactly the encoder's; none under direct encoding.
        let inputEvents = trace.events.filter { $0.population == 0 }
        if encoding == .direct {
            #expect(inputEvents.isEmpty)
        } else {
            let encoder = InputEncoder(encoding: .poisson, seed: 5)
            var generator = encoder.generator(forSample: 2)
            var expected = SpikeEvents(binary: false)
            encoder.poissonEvents(imageHWC: InputEncoder.imageHWC(images, sample: 2), generator: &generator, into: &expected)
            let firstStep = inputEvents.filter { $0.image == 2 && $0.step == 0 }
            #expect(firstStep.map { Int32($0.neuron) } == expected.indices && firstStep.map(\.value) == expected.values)
            #expect(!firstStep.isEmpty && Set(inputEvents.map(\.value)) == [-1, 1])
        }
        // Spikes have the value 1, and events are sorted by image, step, population, neuron.
        #expect(trace.events.filter { $0.population > 0 }.allSatisfy { $0.value == 1 })
        let keys = trace.events.map { [Int($0.image), Int($0.step), Int($0.population), Int($0.neuron)] }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
    }

    @Test func onlyTheFirstSamplesAreCapturedAndMergingShiftsThem() throws {
        let images = R.images(4, Self.input, seed: 4, lower: 0)
        let all = try simulate(images, encoding: .direct, capture: 4)
        let firstTwo = try simulate(images, encoding: .direct, capture: 2)
        let events = try #require(firstTwo.events)
        #expect(Set(events.map(\.sample)) == [0, 1])
        #expect(events == all.events?.filter { $0.sample < 2 })
        // Two batches merged: the second batch's samples come after the first's.
        let a = try simulate(images.slice(0..<2), encoding: .direct, capture: 2)
        let b = try simulate(images.slice(2..<4), encoding: .direct, capture: 2, first: 2)
        #expect(a.appending(b).events == all.events)
    }

    func sampleTrace() throws -> SpikeTrace {
        let images = R.images(3, Self.input, seed: 9, lower: -1)
        let record = try simulate(images, encoding: .poisson, capture: 3)
        return try SpikeTrace(record: record, network: Self.network, images: 3, encoding: .poisson, ordering: .delayed)
    }

    @Test func aerFileRoundTripsAndHasTheDocumentedLayout() throws {
        let trace = try sampleTrace()
        #expect(trace.events.count > 100)
        let directory = TemporaryDirectory()
        try trace.write(to: directory.url)
        let read = try SpikeTrace.read(from: directory.url.appendingPathComponent("spikes.aer"))
        #expect(read == trace)

        let bytes = [UInt8](trace.aerData())
        func number(_ offset: Int, _ count: Int) -> Int {
            (0..<count).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        #expect(Array(bytes[0..<4]) == Array("SKAE".utf8))
        #expect(number(4, 2) == 1 && number(6, 2) == 16 && number(8, 4) == 3 && number(12, 4) == 11)
        #expect(number(16, 8) == trace.events.count)
        let headerLength = number(24, 4)
        #expect((28 + headerLength) % 16 == 0)
        #expect(bytes.count == 28 + headerLength + 16 * trace.events.count)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes[28..<28 + headerLength])) as? [String: Any])
        #expect(json["encoding"] as? String == "poisson" && json["ordering"] as? String == "delayed")
        let populations = try #require(json["populations"] as? [[String: Any]])
        #expect(populations.map { $0["name"] as? String } == trace.populations.map(\.name))
        #expect(populations.map { $0["size"] as? Int } == trace.populations.map(\.size))
        // The last event, decoded by hand.
        let last = 28 + headerLength + 16 * (trace.events.count - 1)
        let event = try #require(trace.events.last)
        #expect(number(last, 4) == Int(event.image) && number(last + 4, 2) == Int(event.step))
        #expect(number(last + 6, 2) == Int(event.population) && number(last + 8, 4) == Int(event.neuron))
        #expect(Float(bitPattern: UInt32(number(last + 12, 4))) == event.value)

        let csv = try String(contentsOf: directory.url.appendingPathComponent("spikes.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == trace.events.count + 1 && lines.first == "image,step,layer,neuron,value")
        let first = trace.events[0]
        #expect(lines[1] == "\(first.image),\(first.step),\(trace.populations[Int(first.population)].name),\(first.neuron),"
                + (first.value == 1 ? "1" : "-1"))
    }

    func expectRefusal(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try SpikeTrace.decode(Data(bytes), path: "t.aer")
            Issue.record("decoding succeeded", sourceLocation: sourceLocation)
        } catch SpikeKitError.dataFile(let path, _, let reason) {
            #expect(path == "t.aer" && reason.contains(fragment), "reason: \(reason)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func damagedFilesAreRefused() throws {
        let trace = try sampleTrace()
        let good = [UInt8](trace.aerData())
        expectRefusal(Array(good.prefix(20)), "too short")
        var magic = good; magic[0] = 0x58
        expectRefusal(magic, "magic")
        var version = good; version[4] = 2
        expectRefusal(version, "unsupported version 2")
        expectRefusal(Array(good.dropLast(3)), "truncated")
        let headerLength = Int(good[24]) | Int(good[25]) << 8
        var header = good; header[28] = UInt8(ascii: "[")
        expectRefusal(header, "header")
        // An event whose population is not in the table.
        var population = good; population[28 + headerLength + 6] = 77
        expectRefusal(population, "event 0")
        // An event whose neuron exceeds its population.
        var neuron = good; neuron[28 + headerLength + 11] = 0x7F
        expectRefusal(neuron, "lies outside")
    }
}
