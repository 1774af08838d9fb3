/// Seeded random mutations of a seed file: the kinds of damage real files suffer (flipped bits,
/// truncation, appended junk, repeated or lost chunks) and the kinds that probe a reader's checks
/// (header fields set to 0, 1, the largest 32-bit values, negative numbers; numbers in text set to
/// extremes; JSON and Python-literal tokens inserted).
///
/// Each input applies one to four mutations in a row. Everything is drawn from the generator passed
/// in, so an execution's input is a function of the engine's seed and the execution number.
public enum FuzzMutator {
    /// The kinds of mutation, for the record of what produced an input.
    public enum Kind: String, CaseIterable, Sendable {
        case bitFlip, byteSet, truncate, extend, fieldOverwrite, chunkDuplicate, chunkDelete, numberOverwrite, tokenInsert
    }

    /// Inputs are kept below this many bytes (a few times the largest seed), so executions stay fast.
    static let maximumLength = 1 << 16

    static let interestingBytes: [UInt8] = [0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF]
    static let interestingIntegers: [UInt64] = [0, 1, 2, 0x7F, 0xFF, 0x100, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                                                0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, UInt64.max]
    static let interestingNumbers = ["0", "-1", "1", "-0", "2147483647", "2147483648", "4294967296", "9223372036854775807",
                                     "9223372036854775808", "-9223372036854775809", "99999999999999999999999999", "1e308",
                                     "1e309", "-1e309", "1.5", "0.000001", "NaN", "Infinity", "1e-400", "00", ""]
    static let interestingTokens = ["{", "}", "[", "]", "\"", "'", ",", ":", "null", "true", "False", "(", ")", "\\",
                                    "\\u0000", "\\ud800", "\u{0}", "\u{FFFF}", "é", "$", "${", "~", "[[[[[[[[", "{\"a\":",
                                    "\"__metadata__\"", "\"shape\":[", "'shape': (", "'descr': '>f4'", "L", "1e999"]

    /// A mutated copy of `seed` and the mutations applied, in order.
    public static func mutate(_ seed: FuzzSeed, using g: inout SeededGenerator) -> (bytes: [UInt8], mutations: [Kind]) {
        var bytes = seed.bytes
        var applied: [Kind] = []
        // Half the inputs carry one mutation (they get furthest into a reader), the rest two to four.
        let count = g.nextInt(below: 2) == 0 ? 1 : 2 + g.nextInt(below: 3)
        for _ in 0..<count {
            let kind = Kind.allCases[g.nextInt(below: Kind.allCases.count)]
            apply(kind, to: &bytes, fields: seed.fields, using: &g)
            applied.append(kind)
        }
        if bytes.count > maximumLength { bytes.removeLast(bytes.count - maximumLength) }
        return (bytes, applied)
    }

    static func apply(_ kind: Kind, to bytes: inout [UInt8], fields: [FuzzField], using g: inout SeededGenerator) {
        switch kind {
        case .bitFlip:
            guard !bytes.isEmpty else { return }
            bytes[position(in: bytes, &g)] ^= 1 << UInt8(g.nextInt(below: 8))
        case .byteSet:
            guard !bytes.isEmpty else { return }
            let value = g.nextInt(below: 2) == 0 ? pick(interestingBytes, &g) : UInt8(truncatingIfNeeded: g.next())
            bytes[position(in: bytes, &g)] = value
        case .truncate:
            guard !bytes.isEmpty else { return }
            // Mostly near the end (a download cut short), sometimes anywhere.
            let keep = g.nextInt(below: 2) == 0 ? max(0, bytes.count - 1 - g.nextInt(below: min(bytes.count, 16)))
                : g.nextInt(below: bytes.count)
            bytes.removeLast(bytes.count - keep)
        case .extend:
            let count = 1 + g.nextInt(below: 64)
            switch g.nextInt(below: 3) {
            case 0: bytes += [UInt8](repeating: 0, count: count)
            case 1: bytes += (0..<count).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            default: bytes += bytes.suffix(count)
            }
        case .fieldOverwrite:
            guard !fields.isEmpty else { return apply(.byteSet, to: &bytes, fields: fields, using: &g) }
            let field = pick(fields, &g)
            let start = field.offset < 0 ? bytes.count + field.offset : field.offset
            guard start >= 0, start + field.width <= bytes.count else { return }
            var value = g.nextInt(below: 4) == 0 ? g.next() : pick(interestingIntegers, &g)
            // Small deltas around the present value probe off-by-one checks.
            if g.nextInt(below: 4) == 0 {
                value = read(bytes, start, field) &+ UInt64(bitPattern: Int64(g.nextInt(below: 5) - 2))
            }
            write(value, to: &bytes, start, field)
        case .chunkDuplicate:
            guard !bytes.isEmpty else { return }
            let start = position(in: bytes, &g)
            let length = 1 + g.nextInt(below: min(256, bytes.count - start))
            let chunk = bytes[start..<(start + length)]
            bytes.insert(contentsOf: chunk, at: g.nextInt(below: bytes.count + 1))
        case .chunkDelete:
            guard !bytes.isEmpty else { return }
            let start = position(in: bytes, &g)
            bytes.removeSubrange(start..<(start + 1 + g.nextInt(below: min(64, bytes.count - start))))
        case .numberOverwrite:
            let runs = digitRuns(bytes)
            guard !runs.isEmpty else { return apply(.bitFlip, to: &bytes, fields: fields, using: &g) }
            bytes.replaceSubrange(pick(runs, &g), with: Array(pick(interestingNumbers, &g).utf8))
        case .tokenInsert:
            bytes.insert(contentsOf: Array(pick(interestingTokens, &g).utf8), at: g.nextInt(below: bytes.count + 1))
        }
    }

    private static func position(in bytes: [UInt8], _ g: inout SeededGenerator) -> Int {
        // Headers are where readers make decisions: favour the first 64 bytes half of the time.
        g.nextInt(below: 2) == 0 ? g.nextInt(below: min(bytes.count, 64)) : g.nextInt(below: bytes.count)
    }

    private static func pick<T>(_ values: [T], _ g: inout SeededGenerator) -> T { values[g.nextInt(below: values.count)] }

    /// The ranges of ASCII digit runs (at most the first 256).
    static func digitRuns(_ bytes: [UInt8]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for (i, byte) in bytes.enumerated() {
            let digit = byte >= 0x30 && byte <= 0x39
            if digit, start == nil { start = i }
            if !digit, let s = start {
                runs.append(s..<i)
                start = nil
                if runs.count == 256 { return runs }
            }
        }
        if let s = start { runs.append(s..<bytes.count) }
        return runs
    }

    private static func read(_ bytes: [UInt8], _ start: Int, _ field: FuzzField) -> UInt64 {
        (0..<field.width).reduce(UInt64(0)) { value, k in
            let byte = UInt64(bytes[start + (field.order == .big ? k : field.width - 1 - k)])
            return value << 8 | byte
        }
    }

    private static func write(_ value: UInt64, to bytes: inout [UInt8], _ start: Int, _ field: FuzzField) {
        for k in 0..<field.width {
            let byte = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))
            bytes[start + (field.order == .big ? field.width - 1 - k : k)] = byte
        }
    }
}
