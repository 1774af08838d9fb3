import Testing
@testable import SpikeKit

@Suite struct RandomTests {
    @Test func sameSeedSameSequence() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func streamsDiffer() {
        var a = SeededGenerator(seed: 42, stream: 0, 1)
        var b = SeededGenerator(seed: 42, stream: 0, 2)
        var c = SeededGenerator(seed: 42, stream: 1, 1)
        let x = a.next(), y = b.next(), z = c.next()
        #expect(x != y && y != z && x != z)
    }

    @Test func uniformMomentsAndRange() {
        var g = SeededGenerator(seed: 7)
        let n = 200_000
        var sum = 0.0, sumSq = 0.0
        for _ in 0..<n {
            let u = g.nextUniform()
            #expect(u >= 0 && u < 1)
            sum += Double(u); sumSq += Double(u * u)
        }
        let mean = sum / Double(n), variance = sumSq / Double(n) - mean * mean
        #expect(abs(mean - 0.5) < 0.005)
        #expect(abs(variance - 1.0 / 12.0) < 0.002)
    }

    @Test func normalMoments() {
        var g = SeededGenerator(seed: 9)
        let n = 200_000
        var sum = 0.0, sumSq = 0.0
        for _ in 0..<n { let z = Double(g.nextNormal()); sum += z; sumSq += z * z }
        let mean = sum / Double(n), variance = sumSq / Double(n) - mean * mean
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.02)
    }

    @Test func bernoulliRate() {
        var g = SeededGenerator(seed: 3)
        let n = 100_000
        let hits = (0..<n).reduce(0) { acc, _ in acc + (g.nextBernoulli(0.3) ? 1 : 0) }
        #expect(abs(Double(hits) / Double(n) - 0.3) < 0.01)
    }

    @Test func intBelowCoversRange() {
        var g = SeededGenerator(seed: 5)
        var seen = Set<Int>()
        for _ in 0..<1000 { let v = g.nextInt(below: 7); #expect(v >= 0 && v < 7); seen.insert(v) }
        #expect(seen.count == 7)
    }

    @Test func shuffleIsPermutationAndDeterministic() {
        var g1 = SeededGenerator(seed: 11), g2 = SeededGenerator(seed: 11)
        var a = Array(0..<50), b = Array(0..<50)
        a.seededShuffle(using: &g1); b.seededShuffle(using: &g2)
        #expect(a == b)
        #expect(a.sorted() == Array(0..<50))
        #expect(a != Array(0..<50))
    }
}
