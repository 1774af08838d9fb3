/// How an event at one input position of a convolution reaches its targets, as runs of adjacent
/// output positions: with stride 1, the kernel offsets kx = kw−1 … 0 of one kernel row hit the
/// adjacent outputs ox = x+p−kw+1 … x+p, so with the kernel stored mirrored in x
/// (`mirroredWeights[c][ky][kw−1−kx][c_out]`; with channel groups, the `c_out / G` outputs of `c`'s group) one run is a single contiguous add of
/// `length · c_out` weights onto `length · c_out` membranes. With a larger stride every run has
/// length 1. Precomputed once per simulation, so delivering an event involves no division.
///
/// Each input still reaches a given target through exactly one weight, and events are processed in
/// ascending order, so every membrane receives its contributions in the same order as the dense
/// reference.
struct ConvolutionRuns: Sendable {
    /// Runs of input position p: `starts[p]..<starts[p + 1]`.
    let starts: [Int32]
    /// First output position of each run.
    let targets: [Int32]
    /// Row of the run's first weight vector within a channel's mirrored kernel: `ky · kw + (kw − 1 − kx)`.
    let rows: [Int32]
    /// Output positions (= kernel offsets) in the run.
    let lengths: [Int32]
    /// The kernel mirrored in x: `[c_in][ky][kw − 1 − kx][c_out / G]`.
    let mirroredWeights: [Float]

    init(synapse: Synapse, geometry g: ConvolutionGeometry) {
        var starts: [Int32] = [0], targets: [Int32] = [], rows: [Int32] = [], lengths: [Int32] = []
        let (kh, kw, stride, pad) = (g.kernelHeight, g.kernelWidth, g.stride, g.padding)
        for y in 0..<g.inputHeight {
            for x in 0..<g.inputWidth {
                for ky in 0..<kh {
                    let sy = y + pad - ky
                    guard sy >= 0, sy % stride == 0, sy / stride < g.outputHeight else { continue }
                    let oy = sy / stride
                    // kx from kw−1 down to 0: ox ascending.
                    var kx = kw - 1
                    while kx >= 0 {
                        let sx = x + pad - kx
                        guard sx >= 0, sx % stride == 0, sx / stride < g.outputWidth else { kx -= 1; continue }
                        let ox = sx / stride
                        var length = 1
                        if stride == 1 {
                            while kx - length >= 0 && ox + length < g.outputWidth { length += 1 }
                        }
                        targets.append(Int32(oy * g.outputWidth + ox))
                        rows.append(Int32(ky * kw + (kw - 1 - kx)))
                        lengths.append(Int32(length))
                        kx -= length
                    }
                }
                starts.append(Int32(targets.count))
            }
        }
        self.starts = starts
        self.targets = targets
        self.rows = rows
        self.lengths = lengths
        var mirrored = [Float](repeating: 0, count: synapse.weights.count)
        // A row holds the outputs of the input channel's group (all of c_out when ungrouped).
        let cout = g.outChannelsPerGroup
        for c in 0..<g.inChannels {
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let from = ((c * kh + ky) * kw + kx) * cout, to = ((c * kh + ky) * kw + (kw - 1 - kx)) * cout
                    for o in 0..<cout { mirrored[to + o] = synapse.weights[from + o] }
                }
            }
        }
        mirroredWeights = mirrored
    }
}
