extension Dataset {
    /// A class-balanced random subset of `limit` images, or the whole dataset if `limit >= count`.
    ///
    /// Each class's images are put in a seeded random order (the generator for `seed` and `stream`),
    /// then taken round-robin over the classes (class 0's first, class 1's first, …, class 0's
    /// second, …) until `limit` are chosen, so every class gets `limit / classCount` images, the
    /// first `limit % classCount` classes one more, and a class that runs out leaves its share to the
    /// others. The chosen images keep their order in the original dataset. The same seed always
    /// selects the same images.
    public func balancedSubset(limit: Int, seed: UInt64, stream: UInt64) -> Dataset {
        precondition(limit >= 0, "subset limit must be non-negative, got \(limit)")
        guard limit < count else { return self }
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() { byClass[Int(label)].append(index) }
        var generator = SeededGenerator(seed: seed, stream: [DataStreams.subset, stream])
        for c in 0..<classCount { byClass[c].seededShuffle(using: &generator) }

        var chosen: [Int] = []
        chosen.reserveCapacity(limit)
        var round = 0
        while chosen.count < limit {
            for c in 0..<classCount where round < byClass[c].count && chosen.count < limit {
                chosen.append(byClass[c][round])
            }
            round += 1
        }
        return subset(chosen.sorted())
    }
}

/// The purpose keys of the random streams the data layer draws from, so that shuffling, subset
/// selection and augmentation never share numbers with each other or with other parts of SpikeKit
/// that derive streams from the same seed.
enum DataStreams {
    /// ASCII "subset".
    static let subset: UInt64 = 0x7375_6273_6574
    /// ASCII "shuffle".
    static let shuffle: UInt64 = 0x73_6875_6666_6C65
    /// ASCII "augment".
    static let augmentation: UInt64 = 0x61_7567_6D65_6E74
    /// ASCII "ratecode".
    static let poissonAugmentation: UInt64 = 0x7261_7465_636F_6465
}
