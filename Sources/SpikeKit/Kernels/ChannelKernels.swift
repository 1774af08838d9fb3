/// Per-channel loops over NCHW batches: bias addition, per-channel sums (bias gradients, batch-norm
/// statistics) and per-channel affine maps.
///
/// A batch is `batch` samples of `channels` planes of `plane` values (`plane == 1` for a `[N, F]`
/// matrix, where the features are the channels). Sums for channel c visit samples in order and each
/// plane with `Elementwise.sum`'s fixed vector order, accumulated in `Double`, so they are the same
/// for any thread count; channels are spread over threads.
enum ChannelKernels {
    /// values[n, c, :] += bias[c].
    static func addBias(_ values: inout [Float], bias: [Float], batch: Int, channels: Int, plane: Int) {
        check(values.count, batch, channels, plane, "addBias")
        precondition(bias.count == channels, "ChannelKernels.addBias: \(bias.count) biases for \(channels) channels")
        values.withUnsafeMutableBufferPointer { buffer in
            bias.withUnsafeBufferPointer { biasBuffer in
                guard let base = buffer.baseAddress, let b = biasBuffer.baseAddress else { return }
                if plane == 1 {
                    for n in 0..<batch {
                        let row = base + n * channels
                        for c in 0..<channels { row[c] += b[c] }
                    }
                } else {
                    for n in 0..<batch {
                        for c in 0..<channels {
                            let row = base + (n * channels + c) * plane
                            let value = b[c]
                            for i in 0..<plane { row[i] += value }
                        }
                    }
                }
            }
        }
    }

    /// Σ over samples and positions of values[n, c, :], per channel.
    static func sums(_ values: [Float], batch: Int, channels: Int, plane: Int) -> [Float] {
        check(values.count, batch, channels, plane, "sums")
        var result = [Float](repeating: 0, count: channels)
        values.withUnsafeBufferPointer { buffer in
            result.withUnsafeMutableBufferPointer { out in
                guard let x = buffer.baseAddress, let outBase = out.baseAddress else { return }
                let xp = SendableConstPointer(x), op = SendablePointer(outBase)
                parallelForChunks(channels, minimumChunk: max(1, 65_536 / max(1, batch * plane))) { range in
                    for c in range {
                        var total = 0.0
                        for n in 0..<batch {
                            total += Double(Elementwise.sum(xp.base + (n * channels + c) * plane, count: plane))
                        }
                        op.base[c] = Float(total)
                    }
                }
            }
        }
        return result
    }

    /// Per channel, the mean and the biased variance (divided by the count) of values[:, c, :],
    /// accumulated in `Double` in two passes (mean first, then squared deviations).
    static func meanAndVariance(_ values: [Float], batch: Int, channels: Int, plane: Int) -> (mean: [Float], variance: [Float]) {
        check(values.count, batch, channels, plane, "meanAndVariance")
        var mean = [Float](repeating: 0, count: channels)
        var variance = [Float](repeating: 0, count: channels)
        let count = Double(batch * plane)
        values.withUnsafeBufferPointer { buffer in
            mean.withUnsafeMutableBufferPointer { meanBuffer in
                variance.withUnsafeMutableBufferPointer { varianceBuffer in
                    guard let x = buffer.baseAddress, let mBase = meanBuffer.baseAddress,
                          let vBase = varianceBuffer.baseAddress, count > 0 else { return }
                    let xp = SendableConstPointer(x), mp = SendablePointer(mBase), vp = SendablePointer(vBase)
                    parallelForChunks(channels, minimumChunk: max(1, 65_536 / max(1, batch * plane))) { range in
                        for c in range {
                            var total = 0.0
                            for n in 0..<batch {
                                let row = xp.base + (n * channels + c) * plane
                                for i in 0..<plane { total += Double(row[i]) }
                            }
                            let mu = total / count
                            var squares = 0.0
                            for n in 0..<batch {
                                let row = xp.base + (n * channels + c) * plane
                                for i in 0..<plane {
                                    let d = Double(row[i]) - mu
                                    squares += d * d
                                }
                            }
                            mp.base[c] = Float(mu)
                            vp.base[c] = Float(squares / count)
                        }
                    }
                }
            }
        }
        return (mean, variance)
    }

    /// Per channel, Σ a[n, c, :] · b[n, c, :] (in `Double`).
    static func dotSums(_ a: [Float], _ b: [Float], batch: Int, channels: Int, plane: Int) -> [Float] {
        check(a.count, batch, channels, plane, "dotSums")
        precondition(a.count == b.count, "ChannelKernels.dotSums: \(a.count) vs \(b.count) values")
        var result = [Float](repeating: 0, count: channels)
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                result.withUnsafeMutableBufferPointer { out in
                    guard let aBase = aBuffer.baseAddress, let bBase = bBuffer.baseAddress,
                          let outBase = out.baseAddress else { return }
                    let ap = SendableConstPointer(aBase), bp = SendableConstPointer(bBase), op = SendablePointer(outBase)
                    parallelForChunks(channels, minimumChunk: max(1, 65_536 / max(1, batch * plane))) { range in
                        for c in range {
                            var total = 0.0
                            for n in 0..<batch {
                                let offset = (n * channels + c) * plane
                                for i in 0..<plane { total += Double(ap.base[offset + i]) * Double(bp.base[offset + i]) }
                            }
                            op.base[c] = Float(total)
                        }
                    }
                }
            }
        }
        return result
    }

    /// out[n, c, i] = scale[c] · x[n, c, i] + shift[c]  (+ extraScale[c] · extra[n, c, i] when given).
    static func affine(_ x: [Float], scale: [Float], shift: [Float], extra: [Float]? = nil, extraScale: [Float]? = nil,
                       batch: Int, channels: Int, plane: Int) -> [Float] {
        check(x.count, batch, channels, plane, "affine")
        precondition(scale.count == channels && shift.count == channels,
                     "ChannelKernels.affine: \(scale.count) scales, \(shift.count) shifts for \(channels) channels")
        precondition((extra == nil) == (extraScale == nil) && (extra?.count ?? x.count) == x.count
                        && (extraScale?.count ?? channels) == channels,
                     "ChannelKernels.affine: extra term does not match \(x.count) values, \(channels) channels")
        let extraValues = extra ?? [], extraScales = extraScale ?? []
        let hasExtra = extra != nil
        return [Float](unsafeUninitializedCapacity: x.count) { out, initialized in
            x.withUnsafeBufferPointer { xBuffer in
                extraValues.withUnsafeBufferPointer { eBuffer in
                    guard let xBase = xBuffer.baseAddress, let outBase = out.baseAddress else { return }
                    // An empty array may still report a base address, so the flag decides.
                    let eBase = hasExtra ? eBuffer.baseAddress : nil
                    for n in 0..<batch {
                        for c in 0..<channels {
                            let offset = (n * channels + c) * plane
                            let a = scale[c], b = shift[c]
                            if let eBase {
                                let e = extraScales[c]
                                for i in offset..<(offset + plane) { outBase[i] = a * xBase[i] + b + e * eBase[i] }
                            } else {
                                for i in offset..<(offset + plane) { outBase[i] = a * xBase[i] + b }
                            }
                        }
                    }
                }
            }
            initialized = x.count
        }
    }

    private static func check(_ count: Int, _ batch: Int, _ channels: Int, _ plane: Int, _ caller: String) {
        precondition(count == batch * channels * plane,
                     "ChannelKernels.\(caller): \(count) values do not fill \(batch)×\(channels)×\(plane)")
    }
}
