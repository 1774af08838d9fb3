/// The traffic of a mapped network, per core and step, counted from the events the event-driven
/// simulator itself produced (`SimulationRecord.events`, captured with
/// `SimulationOptions.captureEventsForSamples`), averaged over the captured samples.
///
/// Per spike of neuron n (population p) at step t: one spike out at n's core; one message per
/// destination core (`HardwareRouting`), each paying a message out at the source, a message in at
/// the destination and |Δx| east-west plus |Δy| north-south hops (dimension-order routing over the
/// global mesh); and, at each destination, one synaptic event per synapse reached. Per step every
/// mapped neuron is accessed; a neuron is also updated when it receives a constant current (direct
/// input, bias) or once it has received any input (SANA-FE buffers a step's synaptic input and
/// integrates it in the next step's update, after which its membrane is non-zero, so it updates
/// every later step; a membrane that returns exactly to zero is not detected — the simulator does
/// not export membranes per event).
///
/// Time of one step (per sample, then averaged): each core's neuron work
/// `neurons·t_access + updated·t_update + spikes·t_spike + messages out·t_out` and its receiving work
/// `messages in·t_in + synaptic events·t_syn` overlap (SANA-FE's "simple" model takes the larger of
/// the two maxima over cores); the step lasts the largest over cores of the two, plus the longest
/// route a message of that step took, plus the barrier.
public struct HardwareActivity: Sendable {
    public var timeSteps: Int
    public var samples: Int
    /// Per core, per step, mean per image.
    public var denseSynapticEvents: [[Double]]
    public var convolutionSynapticEvents: [[Double]]
    public var neuronUpdates: [[Double]]
    public var spikes: [[Double]]
    public var messagesOut: [[Double]]
    public var messagesIn: [[Double]]
    /// Per step, mean per image: hops by direction.
    public var hopsEastWest: [Double]
    public var hopsNorthSouth: [Double]
    /// Per step, mean over images: the step's time, seconds, and the core that set it most often.
    public var stepSeconds: [Double]
    /// How often (over samples and steps) each core was the slowest.
    public var slowestCoreCount: [Int]
    /// Per step, mean over images: the step's time when messages are queued in the order they are
    /// made (`queuedStepTime`), seconds.
    public var queuedStepSeconds: [Double]

    public init(events: [CapturedEvent], mapping: HardwareMapping, timeSteps: Int, samples: Int) throws {
        guard samples > 0 else { throw SpikeKitError.runtime("no captured samples to count hardware traffic from") }
        let graph = mapping.graph
        let routing = mapping.routing
        let hw = mapping.hardware
        let coreCount = mapping.cores.count
        let inputIndex = graph.populations.count
        func grid() -> [[Double]] { Array(repeating: Array(repeating: 0, count: timeSteps), count: coreCount) }
        var dense = grid(), conv = grid(), updates = grid(), spikes = grid(), out = grid(), inbound = grid()
        var hopsEW = [Double](repeating: 0, count: timeSteps), hopsNS = hopsEW, stepSeconds = hopsEW, queued = hopsEW
        var slowest = [Int](repeating: 0, count: coreCount)
        let positions = mapping.cores.indices.map { mapping.meshPosition($0) }
        let constantCores = mapping.cores.map { graph.populations[$0.population].hasConstantCurrent }
        let barrier = hw.barrierSeconds(tiles: mapping.tilesUsed)
        let lat = hw.latency
        // Projections into each population (for first-input tracking).
        let sourcesProjections: [[HardwareGraph.Projection]] = (0...inputIndex).map { p in
            graph.projections.filter { p == inputIndex ? ($0.source == nil && !$0.isOffChipCurrent) : $0.source == p }
        }

        // Events by sample, then step.
        var bySample: [Int: [CapturedEvent]] = [:]
        for event in events where Int(event.step) < timeSteps { bySample[Int(event.sample), default: []].append(event) }
        let sampleIDs = bySample.keys.sorted().prefix(samples)
        let counted = max(sampleIDs.count, 1)

        for sample in sampleIDs {
            let sampleEvents = bySample[sample] ?? []
            var byStep = [[CapturedEvent]](repeating: [], count: timeSteps)
            for e in sampleEvents { byStep[Int(e.step)].append(e) }
            var touched = graph.populations.map { [Bool](repeating: false, count: $0.shape.count) }
            var touchedCount = [Int](repeating: 0, count: graph.populations.count)
            var updatedPerCore = [Int](repeating: 0, count: coreCount)   // effective this step
            var pendingPerCore = [Int](repeating: 0, count: coreCount)   // effective from next step
            for t in 0..<timeSteps {
                for c in 0..<coreCount {
                    updatedPerCore[c] += pendingPerCore[c]
                    pendingPerCore[c] = 0
                }
                var stepDense = [Double](repeating: 0, count: coreCount), stepConv = stepDense
                var stepSpikes = stepDense, stepOut = stepDense, stepIn = stepDense
                var longestRoute = 0.0
                queued[t] += Self.queuedStepTime(events: byStep[t], mapping: mapping, touched: touched,
                                                 constant: constantCores, positions: positions) * 1e-9 + barrier
                for e in byStep[t] {
                    let p = e.population == CapturedEvent.inputPopulation ? inputIndex : Int(e.population)
                    guard p <= inputIndex else { continue }
                    let n = Int(e.neuron)
                    guard n + 1 < routing.offsets[p].count else { continue }
                    let offChip = p == inputIndex
                    var source = 0
                    if !offChip {
                        source = mapping.core(population: p, neuron: n)
                        stepSpikes[source] += 1
                    }
                    for k in routing.offsets[p][n]..<routing.offsets[p][n + 1] {
                        let entry = routing.entries[p][k]
                        let d = Int(entry.core)
                        stepIn[d] += 1
                        stepDense[d] += Double(entry.denseSynapses)
                        stepConv[d] += Double(entry.convolutionSynapses)
                        if !offChip {
                            stepOut[source] += 1
                            let dx = abs(positions[d].x - positions[source].x), dy = abs(positions[d].y - positions[source].y)
                            hopsEW[t] += Double(dx)
                            hopsNS[t] += Double(dy)
                            longestRoute = max(longestRoute, Double(dx) * lat.hopEastWest + Double(dy) * lat.hopNorthSouth)
                        }
                    }
                    // First input of every target neuron not yet touched.
                    for projection in sourcesProjections[p] where touchedCount[projection.target] < touched[projection.target].count {
                        let target = projection.target
                        for input in projection.synapseInputs(ofSource: n) {
                            projection.forEachTarget(ofSynapseInput: input) { neuron in
                                if !touched[target][neuron] {
                                    touched[target][neuron] = true
                                    touchedCount[target] += 1
                                    pendingPerCore[mapping.core(population: target, neuron: neuron)] += 1
                                }
                            }
                        }
                    }
                }
                var slowestTime = -1.0, slowestCore = 0
                for c in 0..<coreCount {
                    let neurons = mapping.cores[c].neurons.count
                    let updated = constantCores[c] ? neurons : min(updatedPerCore[c], neurons)
                    dense[c][t] += stepDense[c]
                    conv[c][t] += stepConv[c]
                    updates[c][t] += Double(updated)
                    spikes[c][t] += stepSpikes[c]
                    out[c][t] += stepOut[c]
                    inbound[c][t] += stepIn[c]
                    let work = Double(neurons) * lat.neuronAccess + Double(updated) * lat.neuronUpdate
                        + stepSpikes[c] * lat.spikeOut + stepOut[c] * lat.messageOut
                    let receive = stepIn[c] * lat.messageIn + stepDense[c] * lat.synapticEventDense
                        + stepConv[c] * lat.synapticEventConvolution
                    let busy = max(work, receive)
                    if busy > slowestTime { slowestTime = busy; slowestCore = c }
                }
                slowest[slowestCore] += 1
                stepSeconds[t] += (max(slowestTime, 0) + longestRoute) * 1e-9 + barrier
            }
        }
        let scale = 1 / Double(counted)
        func mean(_ g: [[Double]]) -> [[Double]] { g.map { $0.map { $0 * scale } } }
        self.timeSteps = timeSteps
        self.samples = sampleIDs.count
        denseSynapticEvents = mean(dense)
        convolutionSynapticEvents = mean(conv)
        neuronUpdates = mean(updates)
        self.spikes = mean(spikes)
        messagesOut = mean(out)
        messagesIn = mean(inbound)
        hopsEastWest = hopsEW.map { $0 * scale }
        hopsNorthSouth = hopsNS.map { $0 * scale }
        self.stepSeconds = stepSeconds.map { $0 * scale }
        slowestCoreCount = slowest
        queuedStepSeconds = queued.map { $0 * scale }
    }

    /// One step's time, nanoseconds, with messages queued as SANA-FE's "detailed" model queues them
    /// (without its congestion term): each core processes its neurons in order (access, update if
    /// it has input, spike out if it fired), sending each spike's messages as it goes, so message m
    /// leaves at the core's running time plus `t_out`; all messages are then handled in order of
    /// sending, a destination core starting each at the later of its arrival (sent + route) and the
    /// end of its previous one, and taking `t_in + synapses·t_syn`. With `linkBufferMessages` b, a
    /// route of h hops holds (h + 1)·b messages (SANA-FE's path capacity): a sender whose destination
    /// already has that many messages waiting stalls until the oldest of them is taken in, and all its
    /// later work shifts with it (backpressure; SANA-FE estimates the same blocking from the message
    /// density along the route). The step ends when the last core has finished its neurons and the
    /// last message has been processed (the barrier is added by the caller).
    static func queuedStepTime(events: [CapturedEvent], mapping: HardwareMapping, touched: [[Bool]], constant: [Bool],
                               positions: [(x: Int, y: Int)]) -> Double {
        let graph = mapping.graph, routing = mapping.routing, lat = mapping.hardware.latency
        var spiked = graph.populations.map { [Bool](repeating: false, count: $0.shape.count) }
        for e in events where e.population >= 0 && Int(e.population) < graph.populations.count {
            spiked[Int(e.population)][Int(e.neuron)] = true
        }
        struct Message { var gap: Double; var core: Int; var route: Double; var hops: Int; var work: Double }
        func work(_ entry: HardwareRouting.Entry) -> Double {
            lat.messageIn + Double(entry.denseSynapses) * lat.synapticEventDense
                + Double(entry.convolutionSynapses) * lat.synapticEventConvolution
        }
        let coreCount = mapping.cores.count
        var outgoing = [[Message]](repeating: [], count: coreCount)
        var tail = [Double](repeating: 0, count: coreCount)   // neuron work after a core's last message
        for (c, core) in mapping.cores.enumerated() {
            let p = core.population
            var sinceLast = 0.0
            for n in core.neurons {
                sinceLast += lat.neuronAccess
                if constant[c] || touched[p][n] { sinceLast += lat.neuronUpdate }
                guard spiked[p][n] else { continue }
                sinceLast += lat.spikeOut
                for k in routing.offsets[p][n]..<routing.offsets[p][n + 1] {
                    let entry = routing.entries[p][k]
                    let d = Int(entry.core)
                    let dx = abs(positions[d].x - positions[c].x), dy = abs(positions[d].y - positions[c].y)
                    outgoing[c].append(Message(gap: sinceLast + lat.messageOut, core: d,
                                               route: Double(dx) * lat.hopEastWest + Double(dy) * lat.hopNorthSouth,
                                               hops: dx + dy, work: work(entry)))
                    sinceLast = 0
                }
            }
            tail[c] = sinceLast
        }
        var finished = [Double](repeating: 0, count: coreCount)
        var starts = [[Double]](repeating: [], count: coreCount)
        var last = 0.0
        // Off-chip input events arrive at the start of the step.
        for e in events where e.population == CapturedEvent.inputPopulation {
            let p = graph.populations.count, n = Int(e.neuron)
            guard n + 1 < routing.offsets[p].count else { continue }
            for k in routing.offsets[p][n]..<routing.offsets[p][n + 1] {
                let d = Int(routing.entries[p][k].core)
                starts[d].append(finished[d])
                finished[d] += work(routing.entries[p][k])
                last = max(last, finished[d])
            }
        }
        // Senders advance in order of their next message's sending time.
        var clock = [Double](repeating: 0, count: coreCount)
        var next = [Int](repeating: 0, count: coreCount)
        let buffer = mapping.hardware.linkBufferMessages
        while true {
            var chosen = -1, earliest = Double.infinity
            for c in 0..<coreCount where next[c] < outgoing[c].count {
                let t = clock[c] + outgoing[c][next[c]].gap
                if t < earliest { earliest = t; chosen = c }
            }
            guard chosen >= 0 else { break }
            let m = outgoing[chosen][next[chosen]]
            next[chosen] += 1
            var sent = earliest
            // A full route: the sender waits until the message `capacity` places ahead has been taken in.
            if let buffer {
                let capacity = (m.hops + 1) * buffer
                let queued = starts[m.core].count
                if queued >= capacity { sent = max(sent, starts[m.core][queued - capacity]) }
            }
            clock[chosen] = sent
            let start = max(finished[m.core], sent + m.route)
            starts[m.core].append(start)
            finished[m.core] = start + m.work
            last = max(last, finished[m.core])
        }
        for c in 0..<coreCount { last = max(last, clock[c] + tail[c]) }
        return last
    }

    /// Σ over steps of one core's row.
    static func total(_ rows: [[Double]], core: Int) -> Double { rows[core].reduce(0, +) }
    /// Σ over cores and steps.
    static func total(_ rows: [[Double]]) -> Double { rows.reduce(0) { $0 + $1.reduce(0, +) } }
}
