/// The built-in hardware descriptions. Every figure names its source; where a source gives no
/// number for a field, the field is 0 (not priced) or nil (no limit), and the `source` text says so.
extension HardwareDescription {
    /// Intel Loihi (Davies et al., "Loihi: A Neuromorphic Manycore Processor with On-Chip Learning",
    /// IEEE Micro 38(1), 2018), with the per-event energies and latencies SANA-FE derived from it
    /// (`sanafe` 2.2.9, `examples/loihi.yaml`, checked in the installed package): synaptic event
    /// 35.5 pJ / 3.8 ns dense, 24.0 pJ / 3.1 ns convolutional; neuron access 51.2 pJ / 6.0 ns;
    /// update 21.6 pJ / 3.7 ns; spike out 69.3 pJ / 30 ns; message out 111 pJ / 5.1 ns; message in
    /// 0 pJ / 16 ns; hop east-west 3.0 pJ / 4.1 ns, north-south 4.2 pJ / 6.5 ns; 8×4 tiles of 4 cores;
    /// 1,024 neurons per core; barrier 0.6 / 1.0 / 1.4 / 1.8 µs from 1 / 2 / 4 / 29 tiles used;
    /// 16 messages per link buffer (`link_buffer_size`).
    /// Per-core limits from nengo-loihi (`nengo_loihi/block.py`: MAX_COMPARTMENTS 1024, MAX_IN_AXONS
    /// 4096, MAX_OUT_AXONS 4096, MAX_SYNAPSE_BITS 16384·64 = 1,048,576); 8-bit weights and 24-bit
    /// membranes (nengo-loihi discretisation), 17-bit threshold mantissa (brian2-loihi's
    /// `threshold_v_mant` 0…131071). No static power figure is modelled (SANA-FE has none).
    public static let loihi = HardwareDescription(
        name: "loihi",
        source: "Davies et al. 2018 (IEEE Micro) via SANA-FE 2.2.9 loihi.yaml (event energy/latency, 8x4 mesh, "
            + "4 cores/tile, 1024 neurons/core, barrier by tiles used); nengo-loihi block.py (4096 in/out axons, "
            + "1,048,576 synapse bits per core); 8-bit weights, 24-bit membranes (nengo-loihi), 17-bit threshold "
            + "mantissa (brian2-loihi); static power not modelled",
        mapsCores: true, meshWidth: 8, meshHeight: 4, coresPerTile: 4,
        core: CoreLimits(neurons: 1_024, fanIn: 4_096, fanOut: 4_096, synapseMemoryBits: 1_048_576,
                         weightBits: 8, thresholdBits: 17, membraneBits: 24),
        energy: EventCosts(synapticEventDense: 35.5, synapticEventConvolution: 24.0, neuronAccess: 51.2, neuronUpdate: 21.6,
                           spikeOut: 69.3, messageOut: 111.0, messageIn: 0, hopEastWest: 3.0, hopNorthSouth: 4.2),
        latency: EventCosts(synapticEventDense: 3.8, synapticEventConvolution: 3.1, neuronAccess: 6.0, neuronUpdate: 3.7,
                            spikeOut: 30.0, messageOut: 5.1, messageIn: 16.0, hopEastWest: 4.1, hopNorthSouth: 6.5),
        stepBarrierSeconds: [BarrierEntry(minimumTiles: 1, seconds: 0.6e-6), BarrierEntry(minimumTiles: 2, seconds: 1.0e-6),
                             BarrierEntry(minimumTiles: 4, seconds: 1.4e-6), BarrierEntry(minimumTiles: 29, seconds: 1.8e-6)],
        linkBufferMessages: 16)

    /// IBM TrueNorth (Merolla et al., "A million spiking-neuron integrated circuit with a scalable
    /// communication network and interface", Science 345, 2014, main text and Supplementary Material):
    /// 4,096 cores on a 64×64 mesh, each 256 neurons × 256 input axons on a 256×256 binary crossbar,
    /// each neuron targeting one axon (fan-out 1); the real-time 1 kHz tick is the step barrier.
    /// 26 pJ per synaptic event is the paper's *total* energy (active and passive) per event at one
    /// operating point: 72 mW at 0.775 V with neurons firing at 20 Hz on 128 active synapses
    /// (main text and Fig. 4C). It already holds leakage, memory reads and routing, so no static power
    /// and no hop cost (the Supplement's 2.3 pJ per spike per hop) is added: they would be counted
    /// twice; it undercounts networks sparser than that operating point and overcounts denser ones.
    /// The 46 GSOPS/W of the same papers is another operating point (65 mW at 0.75 V, 21.7 pJ per
    /// operation): the two are not mixed. A synaptic operation adds a 9-bit signed integer to a
    /// 20-bit signed membrane (Supplement §S8). Each neuron has only 4 weight values, one per axon
    /// type (Supplement §S1); the quantiser puts weights on a per-layer 9-bit grid and does not impose
    /// the 4-value limit, so accuracy at this preset's precision is an upper bound. The threshold's
    /// width is not given in the sources checked, so thresholds go on the weight grid uncapped.
    /// SANA-FE's `truenorth.yaml` gives the same mesh, fan-in 256 and fan-out 1 with zero costs. The
    /// 256-axon fan-in is the binding limit: no separate synapse-memory limit is set.
    public static let truenorth = HardwareDescription(
        name: "truenorth",
        source: "Merolla et al. 2014 (Science, main text and Supplementary Material): 64x64 cores, 256 neurons x 256 axons "
            + "(256x256 binary crossbar), fan-out 1, 1 ms real-time tick; 26 pJ per synaptic event = total energy at "
            + "72 mW, 0.775 V, 20 Hz, 128 active synapses (static power and routing included, so not added); 9-bit signed "
            + "weights (4 values per neuron, not enforced), 20-bit membrane (Supplement S8); threshold width not published "
            + "there (not capped); SANA-FE truenorth.yaml (mesh, fan-in/out); other event costs not published (0)",
        mapsCores: true, meshWidth: 64, meshHeight: 64, coresPerTile: 1, maximumChips: nil,
        core: CoreLimits(neurons: 256, fanIn: 256, fanOut: 256, synapseMemoryBits: nil,
                         weightBits: 9, thresholdBits: nil, membraneBits: 20),
        energy: EventCosts(synapticEventDense: 26, synapticEventConvolution: 26),
        latency: EventCosts(),
        stepBarrierSeconds: [BarrierEntry(minimumTiles: 1, seconds: 1e-3)])

    /// SynSense Speck / DYNAP-CNN (Sinabs documentation, "Speck overview" and "Available network
    /// architecture"; samna's Speck 2b page): 9 convolutional cores, each with at most 2 destination
    /// cores (fan-out 2), 8-bit weights, 16-bit neuron state, kernels up to 16×16, at most 1,024
    /// features and 64×64 outputs per core. No per-event energy or latency is published there: the
    /// preset maps and quantises, and prices nothing (all costs 0).
    public static let speck = HardwareDescription(
        name: "speck",
        source: "Sinabs docs (speck/overview, faqs/available_network_arch) and samna Speck 2b: 9 cores, 2 destinations "
            + "per core, 8-bit weights, 16-bit neuron state, kernel <= 16x16, <= 1024 features x 64x64 per core; "
            + "no per-event energy/latency published (0)",
        mapsCores: true, meshWidth: 9, meshHeight: 1, coresPerTile: 1, maximumChips: 1,
        core: CoreLimits(neurons: 64 * 64 * 1_024, destinationCores: 2, maximumKernel: 16, weightBits: 8, thresholdBits: 16, membraneBits: 16),
        energy: EventCosts(), latency: EventCosts(), stepBarrierSeconds: [])

    /// 45 nm CMOS, 32-bit float (Horowitz, ISSCC 2014): per operation only (no cores): a synaptic
    /// event is a 0.9 pJ add, a MAC 4.6 pJ.
    public static let cmos45nmFP32 = HardwareDescription(
        name: "cmos45nm-fp32", source: EnergyModel.cmos45nmFP32.source, mapsCores: false,
        meshWidth: 0, meshHeight: 0, coresPerTile: 0, core: CoreLimits(),
        energy: EventCosts(synapticEventDense: 0.9, synapticEventConvolution: 0.9), latency: EventCosts(),
        stepBarrierSeconds: [], macPicojoules: 4.6)

    /// 45 nm CMOS, 8-bit integer (Horowitz 2014): add 0.03 pJ, MAC 0.23 pJ, per operation only.
    public static let cmos45nmInt8 = HardwareDescription(
        name: "cmos45nm-int8", source: EnergyModel.cmos45nmInt8.source, mapsCores: false,
        meshWidth: 0, meshHeight: 0, coresPerTile: 0, core: CoreLimits(weightBits: 8),
        energy: EventCosts(synapticEventDense: 0.03, synapticEventConvolution: 0.03), latency: EventCosts(),
        stepBarrierSeconds: [], macPicojoules: 0.23)

    /// Every built-in description, by name.
    public static let presets: [HardwareDescription] = [loihi, truenorth, speck, cmos45nmFP32, cmos45nmInt8]
    public static let presetNames = presets.map(\.name)

    public static func named(_ name: String) -> HardwareDescription? { presets.first { $0.name == name } }
}
