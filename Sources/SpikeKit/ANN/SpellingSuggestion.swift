/// The closest known name to a misspelt one, for "did you mean" hints in error messages.
enum SpellingSuggestion {
    /// The candidate with the smallest edit distance to `name` (case-insensitive), if that distance
    /// is at most a third of the longer name's length (rounded up) — otherwise the guess would not help.
    static func closest(to name: String, in candidates: [String]) -> String? {
        let target = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let limit = (max(target.count, best.name.count) + 2) / 3
        return best.distance <= max(1, limit) ? best.name : nil
    }

    /// Levenshtein distance (insertions, deletions and substitutions each cost 1).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
