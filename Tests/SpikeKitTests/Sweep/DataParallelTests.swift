import Foundation
import Testing
@testable import SpikeKit

/// The parts of data parallelism that need no MPI (the MPI runs themselves: Scripts/mpi-check.sh).
@Suite struct DataParallelTests {
    /// A test-set record crosses ranks packed; packing and unpacking are exact.
    @Test func simulationRecordsSurviveTheirPacking() throws {
        let images = ANNToSNNConverterTests.images(3)
        let network = try ANNToSNNConverter.convert(try ANNToSNNConverterTests.tinyCNN(),
                                                    recipe: .dataNormalization(DataNormalization(percentile: 100)),
                                                    calibration: images).network
        let options = SimulationOptions(timeSteps: 6, encoding: .poisson, ordering: .delayed, seed: 5, checkpoints: [3, 6])
        let record = try EventScheduler(network: network).run(images: images, options: options)
        let copy = SimulationRecord.unpackingCounts(record.packedCounts())
        #expect(copy.spikes == record.spikes && copy.neuronUpdates == record.neuronUpdates && copy.synapticOps == record.synapticOps)
        #expect(copy.maxInputCurrent == record.maxInputCurrent && copy.samples == record.samples && copy.timeSteps == record.timeSteps)
        #expect(copy.populationNames == record.populationNames && copy.synapseNames == record.synapseNames)
        #expect(copy.populationSizes == record.populationSizes)
        #expect(copy.outputs.keys.sorted() == [3, 6] && copy.outputs[6]?.scalars == record.outputs[6]?.scalars)
        #expect(copy.outputs[6]?.shape == record.outputs[6]?.shape)
    }

    @Test func withoutMPIARankDoesAllTheWork() {
        #expect(DataParallel.share(of: 8) == 0..<8)
        #expect(DataParallel.rank == 0)
        #expect(SimulationRecord.mergedAcrossRanks(nil)?.samples == nil)
    }

    /// STDB gradient sums cross ranks packed; packing and unpacking are exact.
    @Test func stdbGradientsSurviveTheirPacking() throws {
        let network = try ANNToSNNConverter.convert(try ANNToSNNConverterTests.tinyCNN(),
                                                    recipe: .dataNormalization(DataNormalization(percentile: 100)),
                                                    calibration: ANNToSNNConverterTests.images(3)).network
        let synapses = network.synapses
        let gradients = STDBGradients(synapses: synapses, populations: 2)
        var g = SeededGenerator(seed: 3)
        for s in gradients.weights.indices { for i in gradients.weights[s].indices { gradients.weights[s][i] = g.nextUniform() - 0.5 } }
        gradients.thresholds = [0.25, -1.5]
        gradients.leaks = [2, 3]
        gradients.loss = 1.75
        gradients.correct = 4
        gradients.samples = 9
        gradients.nonFiniteSample = 7
        let copy = STDBGradients(synapses: synapses, populations: 2)
        copy.unpack(gradients.packed())
        #expect(copy.weights == gradients.weights && copy.bias == gradients.bias)
        #expect(copy.thresholds == gradients.thresholds && copy.leaks == gradients.leaks && copy.loss == 1.75)
        #expect(copy.correct == 4 && copy.samples == 9 && copy.nonFiniteSample == 7)
    }
}
