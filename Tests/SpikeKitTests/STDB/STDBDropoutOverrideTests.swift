import Testing
@testable import SpikeKit

@Suite struct STDBDropoutOverrideTests {
    static func network() -> SpikingNetwork {
        let fc1 = Synapse.linear(name: "fc1", inputShape: .flat(4), outputs: 3, pytorchWeights: [Float](repeating: 0.5, count: 12))
        let fc2 = Synapse.linear(name: "fc2", inputShape: .flat(3), outputs: 2, pytorchWeights: [Float](repeating: 0.5, count: 6))
        return SpikingNetwork(inputShape: .flat(4), layers: [
            .synaptic(fc1, neurons: NeuronParameters(threshold: 1), inputDropout: 0),
            .synaptic(fc2, neurons: nil, inputDropout: 0.3),
        ])
    }

    @Test func overrideReplacesOnlyExistingDropout() throws {
        let net = Self.network()
        #expect(try STDBModel(network: net, settings: STDBSettings()).dropout == [0, 0.3])
        var off = STDBSettings()
        off.dropout = 0
        #expect(try STDBModel(network: net, settings: off).dropout == [0, 0])
        var more = STDBSettings()
        more.dropout = 0.5
        #expect(try STDBModel(network: net, settings: more).dropout == [0, 0.5])
    }

    @Test func configKeyReachesTheSettings() throws {
        let config = try ConfigTestSupport.decode(#"{"conversion": {}, "stdb": {"dropout": 0}}"#, name: "d")
        let settings = STDBSettings(config: try #require(config.stdb), ordering: .delayed)
        #expect(settings.dropout == 0)
        let bad = #"{"conversion": {}, "stdb": {"dropout": 1.5}}"#
        #expect(throws: SpikeKitError.self) { try ConfigTestSupport.decode(bad, name: "d") }
    }
}
