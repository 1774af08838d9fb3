/// One worker of a `SampleTeam`.
struct TeamMember {
    let team: SampleTeam
    let worker: Int
    /// The first operation of the network's tail (`EventScheduler.tailOperation`): from there on the
    /// first worker simulates alone.
    let tailOperation: Int
}

extension EventScheduler {
    /// Simulates a batch smaller than the thread count: all workers simulate every sample together,
    /// each its band of every population (`NeuronBand`), one sample after the other.
    func runSharingSamples(images: Tensor, plan: SimulationPlan, options: SimulationOptions,
                           collector: RecordCollector) -> SimulationRecord {
        let samples = images.shape[0], workers = options.threads
        // Gather slots: one per population, then one per pooling layer (a fused pooling's output).
        let capacities = plan.populationShapes.map(\.count) + network.layers.map(\.outputShape.count)
        let team = SampleTeam(workers: workers, capacities: capacities)
        let rowsPerUnit = Self.bandRows(plan: plan)
        let tail = Self.tailOperation(plan: plan, smallPopulation: options.minimumNeuronsPerBlock / 4)
        let tailPopulations = Set(plan.operations[tail...].flatMap { operation -> [Int] in
            switch operation {
            case .synaptic(_, let p, _): return [p]
            case .residual(_, _, let p1, _, _, let p2): return [p1, p2]
            default: return []
            }
        })
        let directOperation = plan.operations.lazy.compactMap { operation -> (synapse: Int, population: Int)? in
            if case .synaptic(let s, let p, true) = operation { return (s, p) }
            return nil
        }.first
        let network = self.network
        runConcurrently(workers) { worker in
            // All workers read the one plan: a copy per worker (as sample-parallel runs make) would
            // cost more than it saves when a call simulates a single image.
            let state = SampleState(plan: plan, network: network)
            state.gathered = capacities.map { _ in SpikeEvents() }
            for (p, population) in state.populations.enumerated() {
                if population.neurons == nil || tailPopulations.contains(p) {
                    population.band = worker == 0 ? .full(population.shape) : .empty
                } else {
                    population.band = NeuronBand.split(population.shape, worker: worker, of: workers, rowsPerUnit: rowsPerUnit[p])
                }
            }
            var totals = WorkerTotals(plan: plan, timeSteps: options.timeSteps)
            let member = TeamMember(team: team, worker: worker, tailOperation: tail)
            for n in 0..<samples {
                var current: [Float] = []
                if let (s, p) = directOperation {
                    current = InputEncoder.directCurrents(imagesHWC: [InputEncoder.imageHWC(images, sample: n)],
                                                          synapse: plan.synapses[s], band: state.populations[p].band)[0]
                }
                let result = Self.simulate(sample: n, images: images, plan: plan, state: state, options: options,
                                           directCurrent: current, totals: &totals, team: member)
                if worker == 0 { collector.store(sample: n, result) }
                if options.recordLastSpike {
                    // Each worker's last-spike steps are −1 outside its band: the elementwise maximum
                    // over the workers is the whole population's.
                    team.barrier.wait()
                    if worker != 0 { collector.mergeLastSpike(sample: n, state.populations.map(\.lastSpike)) }
                }
            }
            collector.merge(totals)
        }
        return collector.record()
    }

    /// The first operation from which every population has fewer than `smallPopulation` neurons (a
    /// quarter of `SimulationOptions.minimumNeuronsPerBlock`; the output layer always counts as small):
    /// the first worker simulates these alone, since their work between two joins would be shorter
    /// than the join, and the other workers go on to the next step. For CNN-S: the 128-neuron hidden
    /// layer and the output.
    static func tailOperation(plan: SimulationPlan, smallPopulation: Int) -> Int {
        var tail = plan.operations.count
        for index in plan.operations.indices.reversed() {
            switch plan.operations[index] {
            case .synaptic(_, let p, _):
                guard plan.populationNeurons[p] == nil || plan.populationShapes[p].count < smallPopulation else { return tail }
                tail = index
            case .residual(_, _, let p1, _, _, let p2):
                guard max(plan.populationShapes[p1].count, plan.populationShapes[p2].count) < smallPopulation else { return tail }
                tail = index
            default:
                continue
            }
        }
        return tail
    }

    /// Per population, the rows a band must keep together: the pooling stride when an average
    /// pooling whose windows tile the map (kernel = stride) follows it and may be fused into its
    /// step, else 1.
    static func bandRows(plan: SimulationPlan) -> [Int] {
        var rows = [Int](repeating: 1, count: plan.populationShapes.count)
        for (index, operation) in plan.operations.enumerated() {
            guard case .synaptic(_, let p, _) = operation, index + 1 < plan.operations.count,
                  case .averagePool(_, _, let k, let stride) = plan.operations[index + 1], k == stride,
                  plan.populationShapes[p].positions > 1 else { continue }
            rows[p] = stride
        }
        return rows
    }
}
