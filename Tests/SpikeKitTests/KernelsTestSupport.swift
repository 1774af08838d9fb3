import Testing
@testable import SpikeKit

/// Random tensors and tolerance checks shared by the kernel tests.
enum KernelsTestSupport {
    static func randomArray(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextUniform() * 2 - 1 }
    }

    static func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor(shape: shape, scalars: randomArray(shape.reduce(1, *), seed: seed))
    }

    /// Expects `observed` to match `expected` elementwise within `tolerance · (1 + |expected|)`,
    /// reporting the first mismatch with both values and the error.
    static func expectClose(_ observed: [Float], _ expected: [Double], tolerance: Double = 1e-4,
                            _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(observed.count == expected.count, "\(context): \(observed.count) values, expected \(expected.count)",
                sourceLocation: sourceLocation)
        for (index, (o, e)) in zip(observed, expected).enumerated() {
            let error = abs(Double(o) - e)
            if !(error <= tolerance * (1 + abs(e))) {
                Issue.record("\(context): element \(index) is \(o), expected \(e) (error \(error), tolerance \(tolerance))",
                             sourceLocation: sourceLocation)
                return
            }
        }
    }

    static func expectBitIdentical(_ a: [Float], _ b: [Float], _ context: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, "\(context): counts differ", sourceLocation: sourceLocation)
        if let index = a.indices.first(where: { $0 < b.count && a[$0].bitPattern != b[$0].bitPattern }) {
            Issue.record("\(context): element \(index) differs: \(a[index]) vs \(b[index])", sourceLocation: sourceLocation)
        }
    }
}
