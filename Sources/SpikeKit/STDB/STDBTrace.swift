/// What the forward pass of one sample records for its backward pass, sparsely: for each recorded
/// stream ("channel") and step, one segment of events in flat arenas.
///
/// Channels are the event streams the backward pass reads (laid out by `STDBTraceLayout`): the input
/// events of each synapse (for its event-driven weight gradient), each population's spikes (for the
/// zero reset's mask and, with the `stdb` surrogate, each spike's previous spike step, from which the
/// backward pass rebuilds every Δt exactly), the inputs of max-pooling stages (for the argmax
/// routing), and the non-zero surrogate derivatives when they depend on the membrane. Nothing dense
/// is stored: memory grows with the number of events, not with T × neurons.
///
/// One trace belongs to one worker and is cleared (keeping its capacity) for every sample, so a
/// forward pass allocates nothing once the arenas have grown to their working size.
final class STDBTrace {
    /// Where the events of one channel at one step lie in the arenas. `valueStart < 0` means binary
    /// events; `auxiliaryStart < 0` means no previous-spike steps.
    struct Segment {
        var start = 0
        var count = 0
        var valueStart = -1
        var auxiliaryStart = -1
    }

    let channelCount: Int
    let timeSteps: Int
    private(set) var indices: [Int32] = []
    private(set) var values: [Float] = []
    /// Previous spike step of each recorded spike (−1 = none), for population channels under `stdb`.
    private(set) var auxiliary: [Int32] = []
    private var segments: [Segment]
    private var recordedStep: [Int]

    init(channelCount: Int, timeSteps: Int) {
        self.channelCount = channelCount
        self.timeSteps = timeSteps
        segments = Array(repeating: Segment(), count: channelCount * timeSteps)
        recordedStep = Array(repeating: -1, count: channelCount)
    }

    /// Forgets every event, keeping the arenas' capacity.
    func clear() {
        indices.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        auxiliary.removeAll(keepingCapacity: true)
        for i in segments.indices { segments[i] = Segment() }
        for c in recordedStep.indices { recordedStep[c] = -1 }
    }

    /// The events of `channel` at step `t` (empty if nothing was recorded).
    @inline(__always)
    func segment(channel: Int, step t: Int) -> Segment {
        segments[t * channelCount + channel]
    }

    /// Whether `channel` already holds step `t` (several consumers may share one stream).
    @inline(__always)
    func hasRecorded(channel: Int, step t: Int) -> Bool { recordedStep[channel] == t }

    /// Records `events` as `channel`'s step `t`, unless that step is already recorded.
    func record(_ events: SpikeEvents, channel: Int, step t: Int) {
        guard channel >= 0, recordedStep[channel] != t else { return }
        var segment = Segment(start: indices.count, count: events.count)
        indices.append(contentsOf: events.indices)
        if !events.isBinary {
            segment.valueStart = values.count
            values.append(contentsOf: events.values)
        }
        segments[t * channelCount + channel] = segment
        recordedStep[channel] = t
    }

    /// Records binary spikes with each spike's previous spike step.
    func recordSpikes(_ events: SpikeEvents, previous: [Int32], channel: Int, step t: Int) {
        precondition(previous.isEmpty || previous.count == events.count,
                     "STDBTrace: \(events.count) spikes but \(previous.count) previous steps")
        record(events, channel: channel, step: t)
        if !previous.isEmpty {
            segments[t * channelCount + channel].auxiliaryStart = auxiliary.count
            auxiliary.append(contentsOf: previous)
        }
    }

    /// Records (index, value) pairs as `channel`'s step `t`.
    func recordPairs(indices newIndices: [Int32], values newValues: [Float], channel: Int, step t: Int) {
        guard channel >= 0, recordedStep[channel] != t else { return }
        segments[t * channelCount + channel] = Segment(start: indices.count, count: newIndices.count,
                                                       valueStart: values.count)
        indices.append(contentsOf: newIndices)
        values.append(contentsOf: newValues)
        recordedStep[channel] = t
    }
}

/// Which trace channel each consumer reads, decided once per network: streams that are the same
/// events (a population's spikes feeding the next synapse directly, or one block input feeding a
/// residual block's first convolution and its shortcut) share one channel.
struct STDBTraceLayout: Sendable {
    /// Per population: the channel of its hard spikes (−1 for the output layer).
    var spikeChannel: [Int]
    /// Per population: the channel of its recorded surrogate derivatives (−1 when they follow from
    /// spike times alone).
    var surrogateChannel: [Int]
    /// Per synapse: the channel of the events it receives (for the direct-encoded first synapse,
    /// the masked image, recorded once at step 0).
    var synapseInputChannel: [Int]
    /// Per network layer: the channel of a max-pooling stage's input (−1 for other layers).
    var maxPoolInputChannel: [Int]
    var channelCount: Int

    private enum Source: Hashable {
        case input
        case spikes(Int)
        case emitted(Int)
        case surrogate(Int)
        case pool(Int)
        case masked(Int)
    }

    init(plan: SimulationPlan, dropout: [Float], layerCount: Int, recordsSurrogate: Bool, smooth: Bool) {
        var channels: [Source: Int] = [:]
        func channel(_ source: Source) -> Int {
            if let c = channels[source] { return c }
            let c = channels.count
            channels[source] = c
            return c
        }
        let populations = plan.populationShapes.count
        var spikeChannel = Array(repeating: -1, count: populations)
        var surrogateChannel = Array(repeating: -1, count: populations)
        var synapseInputChannel = Array(repeating: -1, count: plan.synapses.count)
        var maxPoolInputChannel = Array(repeating: -1, count: layerCount)
        // The stream a population passes on: its binary spikes, or (smooth test mode) its real values.
        func output(of p: Int) -> Source { smooth ? .emitted(p) : .spikes(p) }
        func population(_ p: Int) {
            spikeChannel[p] = channel(.spikes(p))
            if recordsSurrogate || smooth { surrogateChannel[p] = channel(.surrogate(p)) }
        }
        var current = Source.input
        for operation in plan.operations {
            switch operation {
            case .synaptic(let s, let p, _):
                synapseInputChannel[s] = channel(dropout[s] > 0 ? .masked(s) : current)
                if plan.populationNeurons[p] != nil {
                    population(p)
                    current = output(of: p)
                }
            case .averagePool(let layer, _, _, _, _):
                current = .pool(layer)
            case .maxPool(let layer, _, _, _, _):
                maxPoolInputChannel[layer] = channel(current)
                current = .pool(layer)
            case .flatten:
                break
            case .residual(_, let c1, let p1, let c2, let shortcut, let p2):
                synapseInputChannel[c1] = channel(current)
                synapseInputChannel[shortcut] = channel(current)
                population(p1)
                synapseInputChannel[c2] = channel(output(of: p1))
                population(p2)
                current = output(of: p2)
            }
        }
        self.spikeChannel = spikeChannel
        self.surrogateChannel = surrogateChannel
        self.synapseInputChannel = synapseInputChannel
        self.maxPoolInputChannel = maxPoolInputChannel
        channelCount = channels.count
    }
}
