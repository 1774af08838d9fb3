import Testing
@testable import SpikeKit

/// `Dataset.resampled(to:)`: nearest-neighbour resampling and channel copies, checked pixel by pixel.
@Suite struct DataResampleTests {
    static let source = Dataset(name: "tiny", images: [0, 1, 2, 3, 10, 11, 12, 13], labels: [1, 0], channels: 1,
                                height: 2, width: 2, classCount: 2)

    @Test func upsamplesByNearestNeighbourIntoEveryChannel() throws {
        let resampled = try Self.source.resampled(to: [3, 4, 4])
        #expect(resampled.sampleShape == [3, 4, 4] && resampled.labels == [1, 0])
        // Output pixel y reads source row (2y + 1)·2 / 8: rows 0, 0, 1, 1 (likewise columns).
        let plane: [Float] = [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]
        let expected = plane + plane + plane + plane.map { $0 + 10 } + plane.map { $0 + 10 } + plane.map { $0 + 10 }
        #expect(resampled.images == expected)
    }

    @Test func keepsTheSameShapeAndRefusesWhatItCannotMap() throws {
        #expect(try Self.source.resampled(to: [1, 2, 2]).images == Self.source.images)
        let threeChannels = try Self.source.resampled(to: [3, 2, 2])
        #expect(throws: SpikeKitError.self) { try threeChannels.resampled(to: [2, 2, 2]) }
        #expect(throws: SpikeKitError.self) { try Self.source.resampled(to: [1, 0, 2]) }
    }
}
