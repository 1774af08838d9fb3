import Testing
@testable import SpikeKit

/// Pooling with padding in the SNN against the ANN layers that define it (PyTorch's `AvgPool2d` with
/// `count_include_pad`, `MaxPool2d`). Event-driven against dense simulation of padded pools is in
/// `GroupedConvolutionTests` (its random networks pool with padding), STDB's gradients through them
/// in `STDBFiniteDifferenceTests` (`paddedPools`).
@Suite struct PaddedPoolingTests {
    /// The spiking pooling of non-negative values (spikes, pooled spikes) with padding equals the
    /// ANN's (PyTorch's) on the same values: zeros counted in the mean, −∞ padding never the maximum.
    @Test(arguments: [(2, 1, 1), (3, 2, 1), (3, 1, 1), (2, 2, 0)])
    func paddedPoolingMatchesTheANN(kernel: Int, stride: Int, padding: Int) {
        var rng = SeededGenerator(seed: UInt64(kernel * 10 + stride))
        let shape = FeatureShape(height: 5, width: 6, channels: 3)
        let x = Tensor(shape: [1, 3, 5, 6], scalars: (0..<90).map { _ in rng.nextUniform() < 0.4 ? 0 : rng.nextUniform() })
        let hwc = InputEncoder.imageHWC(x, sample: 0)
        var context = ForwardContext(training: false)
        let annAverage = AvgPool2D(name: "a", kernel: kernel, stride: stride, padding: padding).forward(x, context: &context)
        let annMaximum = MaxPool2D(name: "m", kernel: kernel, stride: stride, padding: padding).forward(x, context: &context)
        let snnAverage = DenseReferenceSimulator.pool(hwc, shape, kernel, stride, padding, average: true)
        let snnMaximum = DenseReferenceSimulator.pool(hwc, shape, kernel, stride, padding, average: false)
        let out = shape.pooled(kernel: kernel, stride: stride, padding: padding)
        #expect(annAverage.shape == [1, 3, out.height, out.width])
        for c in 0..<3 { for y in 0..<out.height { for xx in 0..<out.width {
            let ann = (c * out.height + y) * out.width + xx, snn = out.hwcIndex(channel: c, y: y, x: xx)
            #expect(abs(annAverage.scalars[ann] - snnAverage[snn]) <= 1e-6, "average at \(c), \(y), \(xx)")
            #expect(annMaximum.scalars[ann] == snnMaximum[snn], "maximum at \(c), \(y), \(xx)")
        } } }
    }
}
