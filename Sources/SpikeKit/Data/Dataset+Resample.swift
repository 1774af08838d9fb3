extension Dataset {
    /// The images at another shape `[channels, height, width]`: each output pixel takes the source
    /// pixel its centre falls on (nearest neighbour, (y + ½)·H_in/H_out rounded down), and a
    /// one-channel source is copied into every output channel. Labels, classes and normalisation are
    /// kept. What the benchmarks use to run any input shape on the bundled data, whose spike rates
    /// are those of real images; not a substitute for the real dataset when accuracy matters.
    public func resampled(to shape: [Int]) throws -> Dataset {
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw SpikeKitError.usage("an input shape is channels×height×width, all positive, got \(shape)")
        }
        let (c, h, w) = (shape[0], shape[1], shape[2])
        if c == channels && h == height && w == width { return self }
        guard channels == 1 || channels == c else {
            throw SpikeKitError.usage("cannot resample \(channels)-channel images to \(c) channels (only 1 → C or C → C)")
        }
        let sourceRow = (0..<h).map { ($0 * 2 + 1) * height / (2 * h) }
        let sourceColumn = (0..<w).map { ($0 * 2 + 1) * width / (2 * w) }
        let inPlane = height * width, inSample = channels * inPlane, outSample = c * h * w
        var values = [Float](repeating: 0, count: count * outSample)
        for n in 0..<count {
            for channel in 0..<c {
                let source = n * inSample + (channels == 1 ? 0 : channel * inPlane)
                let target = n * outSample + channel * h * w
                for y in 0..<h {
                    for x in 0..<w { values[target + y * w + x] = images[source + sourceRow[y] * width + sourceColumn[x]] }
                }
            }
        }
        return Dataset(name: name, images: values, labels: labels, channels: c, height: h, width: w,
                       classCount: classCount, classNames: classNames, normalization: normalization)
    }
}
