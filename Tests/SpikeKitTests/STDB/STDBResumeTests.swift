import Foundation
import Testing
@testable import SpikeKit

/// STDB fine-tuning resumed after an epoch, from the network and optimizer state saved to disk,
/// continues bit for bit.
@Suite struct STDBResumeTests {
    @Test(arguments: [false, true])
    func resumedFineTuningMatchesAnUninterruptedOne(trainsNeuronParameters: Bool) throws {
        let folder = TemporaryDirectory()
        let train = STDBTrainerTests.halves(count: 48, seed: 3), test = STDBTrainerTests.halves(count: 8, seed: 4)
        let data = DatasetSplit(train: train, test: test)
        // Bias and dropout make every optimizer slot and random stream matter.
        let network = STDBTestSupport.mlp(seed: 9, input: FeatureShape(height: 4, width: 4, channels: 1), leak: 1,
                                          reset: .subtract, dropout: 0.2)
        var settings = STDBSettings(timeSteps: 6, epochs: 3, batchSize: 16, learningRate: 3e-3, gradientChunks: 2,
                                    threads: 2, evaluateEachEpoch: false)
        // The low-latency fine-tune also trains every population's threshold and leak.
        settings.trainsNeuronParameters = trainsNeuronParameters
        let (straight, straightEpochs) = try STDBTrainer.fit(network: network, data: data, settings: settings, seed: 5)

        let networkFile = folder.url.appendingPathComponent("snn.safetensors")
        let stateFile = folder.url.appendingPathComponent("state.safetensors")
        var firstEpochs: [STDBTrainer.EpochResult] = []
        _ = try STDBTrainer.fit(network: network, data: data, settings: settings, seed: 5, onEpochEnd: { result, trained, state in
            guard result.epoch == 1 else { return }
            firstEpochs.append(result)
            try SpikingNetworkCheckpoint.save(trained, to: networkFile)
            try STDBTrainer.saveState(state, to: stateFile)
        })
        let (saved, _) = try SpikingNetworkCheckpoint.load(from: networkFile)
        let state = try STDBTrainer.loadState(from: stateFile)
        #expect(state.steps == 3 && state.tensors.keys.contains("vMax/fc1.bias"))
        #expect(state.tensors.keys.contains("m/population0.thresholdLeak") == trainsNeuronParameters)
        let (resumed, resumedEpochs) = try STDBTrainer.fit(network: saved, data: data, settings: settings, seed: 5,
                                                           startEpoch: 1, optimizerState: state)
        #expect(resumedEpochs.map(\.epoch) == [2, 3])
        #expect(firstEpochs + resumedEpochs == straightEpochs)
        #expect(resumed.synapses.map(\.weights) == straight.synapses.map(\.weights))
        #expect(resumed.synapses.map(\.bias) == straight.synapses.map(\.bias))
        var (resumedNeurons, straightNeurons) = ([NeuronParameters](), [NeuronParameters]())
        _ = resumed.mapNeurons { resumedNeurons.append($1); return $1 }
        _ = straight.mapNeurons { straightNeurons.append($1); return $1 }
        #expect(resumedNeurons == straightNeurons)

        // Without the optimizer state the continuation differs (so the state is really used).
        let (fresh, _) = try STDBTrainer.fit(network: saved, data: data, settings: settings, seed: 5, startEpoch: 1)
        #expect(fresh.synapses.map(\.weights) != straight.synapses.map(\.weights))
    }

    @Test func aStateForAnotherNetworkIsRefused() throws {
        let data = DatasetSplit(train: STDBTrainerTests.halves(count: 8, seed: 3), test: STDBTrainerTests.halves(count: 4, seed: 4))
        let network = STDBTrainerTests.smallNetwork(seed: 5, dropout: 0)
        let settings = STDBSettings(timeSteps: 4, epochs: 2, batchSize: 4, threads: 1, evaluateEachEpoch: false)
        var tensors = ["m/fc1.weight": Tensor(shape: [5])]
        var error = thrownSpikeKitError {
            _ = try STDBTrainer.fit(network: network, data: data, settings: settings, seed: 1, startEpoch: 1,
                                    optimizerState: OptimizerState(kind: .adam, steps: 2, tensors: tensors))
        }
        #expect(error?.description.contains("'m/fc1.weight' has 5 values") == true, "\(String(describing: error))")
        tensors = [:]
        error = thrownSpikeKitError {
            _ = try STDBTrainer.fit(network: network, data: data, settings: settings, seed: 1, startEpoch: 1,
                                    optimizerState: OptimizerState(kind: .adam, steps: 2, tensors: tensors))
        }
        #expect(error?.description.contains("no tensor 'm/fc1.weight'") == true, "\(String(describing: error))")
    }
}
