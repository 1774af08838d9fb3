import Testing
@testable import SpikeKit

@Suite struct TensorArithmeticTests {
    let a = Tensor(shape: [2, 3], scalars: [1, -2, 3, 0, 5, -6])
    let b = Tensor(shape: [2, 3], scalars: [2, 2, -1, 4, 0.5, 1])

    @Test func elementwiseOperators() {
        #expect((a + b).scalars == [3, 0, 2, 4, 5.5, -5])
        #expect((a - b).scalars == [-1, -4, 4, -4, 4.5, -7])
        #expect((a * b).scalars == [2, -4, -3, 0, 2.5, -6])
        #expect((a * 2).scalars == [2, -4, 6, 0, 10, -12])
        #expect((0.5 * a).scalars == [0.5, -1, 1.5, 0, 2.5, -3])
        #expect((a + b).shape == [2, 3])
        var c = a
        c += b
        #expect(c.scalars == (a + b).scalars)
        c -= b
        #expect(c.scalars == a.scalars)
    }

    @Test func axpyInPlace() {
        var c = a
        c.add(b, scaledBy: -2)
        #expect(c.scalars == [-3, -6, 5, -8, 4, -8])
        // Long enough for the vector loop and its tail.
        let x = KernelsTestSupport.randomTensor([1001], seed: 1)
        var y = KernelsTestSupport.randomTensor([1001], seed: 2)
        let expected = zip(x.scalars, y.scalars).map { Double($1) + 0.3 * Double($0) }
        y.add(x, scaledBy: 0.3)
        KernelsTestSupport.expectClose(y.scalars, expected, tolerance: 1e-6, "axpy")
    }

    @Test func reluAndItsGradient() {
        #expect(a.relu().scalars == [1, 0, 3, 0, 5, 0])
        #expect(Tensor(shape: [1], scalars: [.nan]).relu().scalars[0].isNaN)
        let gradient = Tensor(shape: [2, 3], scalars: [10, 20, 30, 40, 50, 60])
        #expect(Tensor.reluBackward(input: a, gradient: gradient).scalars == [10, 0, 30, 0, 50, 0])
    }

    @Test func reductions() {
        #expect(a.sum() == 1)
        #expect(a.max() == 5)
        #expect(Tensor(shape: [0]).max() == nil)
        #expect(Tensor(shape: [0]).sum() == 0)
        let long = KernelsTestSupport.randomTensor([1037], seed: 3)
        let exact = long.scalars.reduce(0.0) { $0 + Double($1) }
        #expect(abs(Double(long.sum()) - exact) < 1e-3)
        #expect(long.max() == long.scalars.max())
    }

    @Test func rowWiseOperations() {
        let logits = Tensor(shape: [3, 4], scalars: [0, 3, 3, 1, -1, -2, -0.5, -3, .nan, 2, 7, 7])
        #expect(logits.argmaxRows() == [1, 2, 2])
        #expect(a.sumRows().scalars == [2, -1])
        #expect(a.sumRows().shape == [2])
        let batch = Tensor(shape: [3, 2, 2], scalars: (1...12).map(Float.init))
        let total = batch.sumOverBatch()
        #expect(total.shape == [2, 2])
        #expect(total.scalars == [15, 18, 21, 24])
    }

    @Test func mapValues() {
        let squared = a.mapValues { $0 * $0 }
        #expect(squared.scalars == [1, 4, 9, 0, 25, 36])
        #expect(squared.shape == a.shape)
    }
}
