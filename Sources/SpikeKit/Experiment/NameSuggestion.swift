/// Finds the valid name a user most likely meant when they typed an unknown one: a config key
/// (`timeStep` → `timeSteps`), a value (`fashion_mnist` → `fashion-mnist`), an option (`--step` →
/// `--steps`) or a command.
///
/// The measure is the Levenshtein edit distance between lower-cased names (insertions, deletions and
/// substitutions each cost 1). A candidate is suggested when its distance is at most a third of the
/// longer name's length (at least 1, at most 3), or when one name contains the other (`cifar` →
/// `cifar10`); ties go to the earlier candidate, so the order of `candidates` is the preference order.
public enum NameSuggestion {
    /// The closest acceptable candidate to `name`, or nil when none is close enough.
    public static func closest(to name: String, in candidates: [String]) -> String? {
        let typed = name.lowercased()
        guard !typed.isEmpty else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let lowered = candidate.lowercased()
            if lowered == typed { return candidate }
            var distance = editDistance(typed, lowered)
            let limit = min(3, max(1, max(typed.count, lowered.count) / 3))
            if distance > limit {
                // A prefix or a fragment of a valid name is a likely slip too.
                guard typed.count >= 3, lowered.contains(typed) || typed.contains(lowered) else { continue }
                distance = limit + abs(typed.count - lowered.count)
            }
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// The Levenshtein distance between `a` and `b` (Unicode characters), computed with two rows.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
