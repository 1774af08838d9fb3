/// One worker of a `SampleTeam`. (Where the network's tail begins, from which the first worker
/// simulates alone, is compiled into each worker's `EventStepPlan`.)
struct TeamMember {
    let team: SampleTeam
    let worker: Int
}

extension EventScheduler {
    /// Simulates a batch smaller than the thread count: all workers simulate every sample together,
    /// each its band of every population (`NeuronBand`), one sample after the other.
    func runSharingSamples(images: Tensor, plan: SimulationPlan, options: SimulationOptions,
                           collector: RecordCollector) -> SimulationRecord {
        let samples = images.shape[0], workers = options.threads
        let capacities = EventStepPlan.gatherCapacities(plan: plan, network: network)
        let team = SampleTeam(workers: workers, capacities: capacities)
        let tail = Self.tailOperation(plan: plan, smallPopulation: options.minimumNeuronsPerBlock / 4)
        // The bands follow the kernels the first worker's steps chose (a fused pooling needs bands of
        // whole pooling rows); the other workers' steps are the same up to the tail.
        let rowsPerUnit = WorkerSteps(plan: plan, options: options,
                                      team: EventStepPlan.TeamRole(tailOperation: tail, worker: 0)).plain.bandRows
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
            let member = TeamMember(team: team, worker: worker)
            let steps = WorkerSteps(plan: plan, options: options, team: EventStepPlan.TeamRole(tailOperation: tail, worker: worker))
            #if SPIKEKIT_INTERNAL_CHECKS
            Self.checkBands(state, steps: steps.plain)
            #endif
            for n in 0..<samples {
                var current: [Float] = []
                if let (s, p) = directOperation {
                    current = InputEncoder.directCurrents(imagesHWC: [InputEncoder.imageHWC(images, sample: n)],
                                                          synapse: plan.synapses[s], band: state.populations[p].band)[0]
                }
                let result = Self.simulate(sample: n, images: images, plan: plan, steps: steps.forSample(n, options: options),
                                           state: state, options: options, directCurrent: current, totals: &totals,
                                           team: member)
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
}
