/// A NIR graph (Neuromorphic Intermediate Representation, Pedersen et al., Nature Communications
/// 15, 8122 (2024); the `nir` Python package, `nir/serialization.py`): named nodes, the edges between
/// them, and free-form metadata. Shapes carry no batch dimension and are channels-first
/// (`[C, H, W]` for images, `[n]` for vectors), as in the package.
///
/// Only the node kinds SpikeKit maps are modelled with their parameters; any other node keeps its
/// type name (`other`) so that the importer can refuse it by name.
public struct NIRGraph: Sendable, Equatable {
    public var nodes: [String: NIRNode]
    public var edges: [NIREdge]
    /// Graph-level metadata (`node/metadata/…` in the file): strings and numbers.
    public var metadata: [String: NIRMetadataValue]
    /// Each node's metadata (`nodes/<name>/metadata/…`), for the nodes that have any.
    public var nodeMetadata: [String: [String: NIRMetadataValue]]

    public init(nodes: [String: NIRNode], edges: [NIREdge], metadata: [String: NIRMetadataValue] = [:],
                nodeMetadata: [String: [String: NIRMetadataValue]] = [:]) {
        self.nodes = nodes
        self.edges = edges
        self.metadata = metadata
        self.nodeMetadata = nodeMetadata
    }
}

/// One directed edge: the output of `source` feeds the input of `target`.
public struct NIREdge: Sendable, Equatable, Hashable {
    public var source: String
    public var target: String

    public init(_ source: String, _ target: String) {
        self.source = source
        self.target = target
    }
}

/// A metadata entry: NIR metadata is a dictionary of arrays, strings and numbers.
public enum NIRMetadataValue: Sendable, Equatable {
    case string(String)
    case number(Double)

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var number: Double? { if case .number(let n) = self { return n } else { return nil } }
}

/// An n-dimensional parameter array, row-major, channels-first.
public struct NIRArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Double]

    public init(shape: [Int], values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "NIR array of shape \(shape) given \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// `count` copies of `value` in `shape`.
    public static func filled(_ value: Double, shape: [Int]) -> NIRArray {
        NIRArray(shape: shape, values: [Double](repeating: value, count: shape.reduce(1, *)))
    }

    /// The one value every element holds, or nil if they differ (or the array is empty).
    public var uniformValue: Double? {
        guard let first = values.first, values.allSatisfy({ $0 == first }) else { return nil }
        return first
    }
}

/// A node of a NIR graph, with the parameters the `nir` package writes for it.
public enum NIRNode: Sendable, Equatable {
    case input(shape: [Int])
    case output(shape: [Int])
    /// y = W·x + b, `weight` `[out, in]`.
    case affine(weight: NIRArray, bias: NIRArray)
    /// y = W·x.
    case linear(weight: NIRArray)
    /// A 2-D convolution, `weight` `[C_out, C_in, kH, kW]`; `stride`, `padding`, `dilation` per (H, W).
    case conv2d(weight: NIRArray, bias: NIRArray, stride: [Int], padding: [Int], dilation: [Int], groups: Int,
                inputShape: [Int]?)
    /// Integrate-and-fire: v̇ = R·I; spike when v > v_threshold, then v ← v_reset.
    case integrateAndFire(r: NIRArray, vThreshold: NIRArray, vReset: NIRArray)
    /// Leaky integrate-and-fire: τ·v̇ = (v_leak − v) + R·I; spike when v > v_threshold, then v ← v_reset.
    case leakyIntegrateAndFire(tau: NIRArray, r: NIRArray, vLeak: NIRArray, vThreshold: NIRArray, vReset: NIRArray)
    /// Current-based LIF: τ_syn·İ = −I + w_in·S, τ_mem·v̇ = (v_leak − v) + R·I, with threshold and reset.
    case currentBasedLIF(tauSyn: NIRArray, tauMem: NIRArray, r: NIRArray, vLeak: NIRArray, vThreshold: NIRArray,
                         vReset: NIRArray, wIn: NIRArray)
    /// Sum (or average) over each `kernel` window, with `stride` and zero `padding`, per (H, W).
    case sumPool2d(kernel: [Int], stride: [Int], padding: [Int])
    case avgPool2d(kernel: [Int], stride: [Int], padding: [Int])
    /// Flattens dimensions `startDim…endDim` of an input of `inputShape` (channels-first, no batch).
    case flatten(startDim: Int, endDim: Int, inputShape: [Int]?)
    /// y = s ⊙ x.
    case scale(NIRArray)
    /// y = H(x − threshold) (a stateless Heaviside).
    case threshold(NIRArray)
    /// A node kind SpikeKit does not model (Delay, LI, CubaLI, I, Conv1d, nested graphs, …).
    case other(type: String)

    /// The node's NIR type name, as written in its `type` dataset.
    public var typeName: String {
        switch self {
        case .input: return "Input"
        case .output: return "Output"
        case .affine: return "Affine"
        case .linear: return "Linear"
        case .conv2d: return "Conv2d"
        case .integrateAndFire: return "IF"
        case .leakyIntegrateAndFire: return "LIF"
        case .currentBasedLIF: return "CubaLIF"
        case .sumPool2d: return "SumPool2d"
        case .avgPool2d: return "AvgPool2d"
        case .flatten: return "Flatten"
        case .scale: return "Scale"
        case .threshold: return "Threshold"
        case .other(let type): return type
        }
    }
}
