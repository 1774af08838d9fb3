/// How an image enters the spiking network each time step.
public enum InputEncoding: String, Codable, Sendable, CaseIterable {
    /// Rate coding: per pixel and step, a spike of sign(x) with probability |x| (a fresh uniform U per
    /// pixel and step: spike = sign(x)·[U < |x|]). Pixels normalised to [−1, 1] (mean 0.5, std 0.5).
    case poisson
    /// Analog pixels into the first layer at every step. That layer's input current W·x is the same at
    /// every step, so it is computed once per image.
    case direct
}

/// Turns one image into what the first layer receives: Poisson events per step, or the constant
/// direct current. Both simulators call these same functions, so their inputs are identical.
public struct InputEncoder: Sendable {
    public let encoding: InputEncoding
    public let seed: UInt64

    public init(encoding: InputEncoding, seed: UInt64) {
        self.encoding = encoding
        self.seed = seed
    }

    /// The random stream of sample `sampleIndex` (its index in the whole dataset, so batching and
    /// thread count never change the spikes it gets).
    public func generator(forSample sampleIndex: Int) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: 0x504F_4953, sampleIndex)
    }

    /// Writes the Poisson events of one step for an image given in height-width-channel order,
    /// drawing one uniform per pixel in ascending index order.
    public func poissonEvents(imageHWC: [Float], generator: inout SeededGenerator, into events: inout SpikeEvents) {
        events.removeAll(binary: false)
        for i in 0..<imageHWC.count {
            let x = imageHWC[i]
            let u = generator.nextUniform()
            if u < abs(x) { events.append(Int32(i), value: x < 0 ? -1 : 1) }
        }
    }

    /// Converts sample `n` of an NCHW batch to height-width-channel order.
    public static func imageHWC(_ batch: Tensor, sample n: Int) -> [Float] {
        precondition(batch.rank == 4, "expected an NCHW batch, got shape \(batch.shape)")
        let (c, h, w) = (batch.shape[1], batch.shape[2], batch.shape[3])
        let size = c * h * w
        var out = [Float](repeating: 0, count: size)
        batch.scalars.withUnsafeBufferPointer { src in
            let base = n * size
            for ch in 0..<c { for y in 0..<h { for x in 0..<w {
                out[(y * w + x) * c + ch] = src[base + (ch * h + y) * w + x]
            } } }
        }
        return out
    }

    /// The constant current `W·x (+ b)` the first synapse receives under direct encoding, in the
    /// synapse's output order (height-width-channel). Each output sums its receptive field in ascending
    /// input index order with fused multiply-adds.
    public static func directCurrent(imageHWC x: [Float], synapse: Synapse) -> [Float] {
        let outShape = synapse.outputShape
        var current = [Float](repeating: 0, count: outShape.count)
        switch synapse.connectivity {
        case .identity:
            for i in 0..<x.count { current[i] = Float(0).addingProduct(x[i], synapse.identityWeight(channel: i % outShape.channels)) }
        case .linear:
            current = DirectCurrentKernels.linear(x, weights: synapse.weights, outputs: outShape.count)
        case .convolution(let g):
            current = DirectCurrentKernels.convolution(x, weights: synapse.weights, geometry: g)
        }
        addBias(synapse, to: &current)
        return current
    }

    /// `directCurrent` of several images, bit-identical to computing them one by one; a linear
    /// synapse reads its weights once for all of them.
    public static func directCurrents(imagesHWC xs: [[Float]], synapse: Synapse) -> [[Float]] {
        directCurrents(imagesHWC: xs, synapse: synapse, band: nil)
    }

    /// `directCurrents` computed for the neurons of `band` only (nil: all): the same numbers there;
    /// the other neurons' currents, which other workers compute, are left unspecified.
    static func directCurrents(imagesHWC xs: [[Float]], synapse: Synapse, band: NeuronBand?) -> [[Float]] {
        var currents: [[Float]]
        switch synapse.connectivity {
        case .linear:
            currents = DirectCurrentKernels.linear(block: xs, weights: synapse.weights, outputs: synapse.outputShape.count,
                                                   columns: band?.channels)
        case .convolution(let g) where band != nil:
            currents = xs.map { DirectCurrentKernels.convolution($0, weights: synapse.weights, geometry: g, positions: band?.positions) }
        default:
            return xs.map { directCurrent(imageHWC: $0, synapse: synapse) }
        }
        for n in currents.indices { addBias(synapse, to: &currents[n]) }
        return currents
    }

    /// b + Σ: the bias added after the sum.
    private static func addBias(_ synapse: Synapse, to current: inout [Float]) {
        guard let bias = synapse.bias else { return }
        let c = synapse.outputShape.channels
        for n in 0..<current.count { current[n] = bias[n % c] + current[n] }
    }
}
