import Foundation

/// A NIR graph in and out of its HDF5 file, laid out as `nir.write` lays it out
/// (`nir/serialization.py`, package version 1.0.8): a `version` string, and a group `node` with
/// `type` = "NIRGraph", `edges` (an n×2 array of node names), `nodes/<name>/` (a `type` string and
/// one dataset per parameter) and optional `metadata` groups (one dataset per entry).
extension NIRGraph {
    /// The `nir` package version whose file layout this writes.
    public static let formatVersion = "1.0.8"

    /// Reads the NIR file at `url`.
    public static func read(contentsOf url: URL) throws -> NIRGraph {
        try decode(try HDF5Reader.read(contentsOf: url), path: url.path)
    }

    /// Writes the graph to `url` atomically (numeric arrays deflate-compressed, as `nir.write` does by default).
    public func write(to url: URL, compressionLevel: Int? = 4) throws {
        try HDF5Writer(compressionLevel: compressionLevel).write(encode(), to: url)
    }

    // MARK: Encoding

    /// The HDF5 tree of the graph.
    public func encode() -> HDF5Group {
        var graph = HDF5Group()
        graph["type"] = .dataset(.string("NIRGraph"))
        graph["edges"] = .dataset(HDF5Dataset(shape: [edges.count, 2], values: .strings(edges.flatMap { [$0.source, $0.target] })))
        var nodesGroup = HDF5Group()
        for (name, node) in nodes {
            var group = Self.encode(node)
            if let m = nodeMetadata[name], !m.isEmpty { group["metadata"] = .group(Self.encode(m)) }
            nodesGroup[name] = .group(group)
        }
        graph["nodes"] = .group(nodesGroup)
        if !metadata.isEmpty { graph["metadata"] = .group(Self.encode(metadata)) }
        var root = HDF5Group()
        root["version"] = .dataset(.string(Self.formatVersion))
        root["node"] = .group(graph)
        return root
    }

    static func encode(_ metadata: [String: NIRMetadataValue]) -> HDF5Group {
        var group = HDF5Group()
        for (key, value) in metadata {
            switch value {
            case .string(let s): group[key] = .dataset(.string(s))
            case .number(let n): group[key] = .dataset(HDF5Dataset(shape: [], values: .float64([n])))
            }
        }
        return group
    }

    static func floats(_ a: NIRArray) -> HDF5Object { .dataset(HDF5Dataset(shape: a.shape, values: .float32(a.values.map { Float($0) }))) }
    static func doubles(_ a: NIRArray) -> HDF5Object { .dataset(HDF5Dataset(shape: a.shape, values: .float64(a.values))) }
    static func ints(_ v: [Int]) -> HDF5Object { .dataset(HDF5Dataset(shape: [v.count], values: .integers(v.map(Int64.init)))) }
    static func int(_ v: Int) -> HDF5Object { .dataset(.integer(Int64(v))) }

    /// One node's group. Weights are float32 (SpikeKit's precision); neuron parameters float64, so
    /// that τ and r derived from a 32-bit leak keep every bit.
    static func encode(_ node: NIRNode) -> HDF5Group {
        var g = HDF5Group()
        g["type"] = .dataset(.string(node.typeName))
        switch node {
        case .input(let shape), .output(let shape):
            g["shape"] = ints(shape)
        case .affine(let w, let b):
            g["weight"] = floats(w); g["bias"] = floats(b)
        case .linear(let w):
            g["weight"] = floats(w)
        case .conv2d(let w, let b, let stride, let padding, let dilation, let groups, let inputShape):
            g["weight"] = floats(w); g["bias"] = floats(b)
            g["stride"] = ints(stride); g["padding"] = ints(padding); g["dilation"] = ints(dilation)
            g["groups"] = int(groups)
            if let inputShape { g["input_shape"] = ints(inputShape) }
        case .integrateAndFire(let r, let vThreshold, let vReset):
            g["r"] = doubles(r); g["v_threshold"] = doubles(vThreshold); g["v_reset"] = doubles(vReset)
        case .leakyIntegrateAndFire(let tau, let r, let vLeak, let vThreshold, let vReset):
            g["tau"] = doubles(tau); g["r"] = doubles(r); g["v_leak"] = doubles(vLeak)
            g["v_threshold"] = doubles(vThreshold); g["v_reset"] = doubles(vReset)
        case .currentBasedLIF(let tauSyn, let tauMem, let r, let vLeak, let vThreshold, let vReset, let wIn):
            g["tau_syn"] = doubles(tauSyn); g["tau_mem"] = doubles(tauMem); g["r"] = doubles(r); g["v_leak"] = doubles(vLeak)
            g["v_threshold"] = doubles(vThreshold); g["v_reset"] = doubles(vReset); g["w_in"] = doubles(wIn)
        case .sumPool2d(let k, let s, let p), .avgPool2d(let k, let s, let p):
            g["kernel_size"] = ints(k); g["stride"] = ints(s); g["padding"] = ints(p)
        case .flatten(let start, let end, let inputShape):
            g["start_dim"] = int(start); g["end_dim"] = int(end)
            if let inputShape { g["input_type"] = ints(inputShape) }
        case .scale(let s):
            g["scale"] = doubles(s)
        case .threshold(let t):
            g["threshold"] = doubles(t)
        case .other:
            break
        }
        return g
    }

    // MARK: Decoding

    /// The graph held by an HDF5 tree; `path` names the file in errors.
    public static func decode(_ root: HDF5Group, path: String) throws -> NIRGraph {
        let reader = NodeReader(path: path, object: "/node")
        guard let graph = root["node"]?.group else {
            throw SpikeKitError.dataFile(path: path, offset: nil, reason: "not a NIR file: it has no group 'node'")
        }
        let type = try reader.string(graph, "type")
        guard type == "NIRGraph" else {
            throw SpikeKitError.dataFile(path: path, offset: nil, reason: "NIR '/node' has type '\(type)', expected 'NIRGraph'")
        }
        guard let nodesGroup = graph["nodes"]?.group else { throw reader.fail("the graph has no group 'nodes'") }
        var nodes: [String: NIRNode] = [:]
        var nodeMetadata: [String: [String: NIRMetadataValue]] = [:]
        for name in nodesGroup.members.keys.sorted() {
            let r = NodeReader(path: path, object: "/node/nodes/\(name)")
            guard let group = nodesGroup[name]?.group else { throw r.fail("a node must be a group") }
            nodes[name] = try r.node(group)
            if let m = group["metadata"]?.group { nodeMetadata[name] = try r.metadata(m) }
        }
        var edges: [NIREdge] = []
        if let e = graph["edges"]?.dataset, e.values.count > 0 {
            guard case .strings(let names) = e.values, e.shape.count == 2, e.shape[1] == 2 else {
                throw reader.fail("'edges' must be an n×2 array of node names, got a \(e.values.kindName) array of shape \(e.shape)")
            }
            edges = stride(from: 0, to: names.count, by: 2).map { NIREdge(names[$0], names[$0 + 1]) }
        }
        let metadata = try graph["metadata"]?.group.map { try reader.metadata($0) } ?? [:]
        return NIRGraph(nodes: nodes, edges: edges, metadata: metadata, nodeMetadata: nodeMetadata)
    }

    /// Reads typed parameters from one node's group; each error names the node's HDF5 path.
    struct NodeReader {
        let path: String
        let object: String

        func fail(_ reason: String) -> SpikeKitError {
            .dataFile(path: path, offset: nil, reason: "NIR '\(object)': \(reason)")
        }

        func dataset(_ g: HDF5Group, _ key: String) throws -> HDF5Dataset {
            guard let member = g[key] else { throw fail("parameter '\(key)' is missing") }
            guard let d = member.dataset else { throw fail("parameter '\(key)' is a group, expected a dataset") }
            return d
        }

        func string(_ g: HDF5Group, _ key: String) throws -> String {
            let d = try dataset(g, key)
            guard case .strings(let s) = d.values, s.count == 1 else { throw fail("'\(key)' must be a string") }
            return s[0]
        }

        func array(_ g: HDF5Group, _ key: String) throws -> NIRArray {
            let d = try dataset(g, key)
            guard let values = d.values.doubles else { throw fail("'\(key)' must be numeric, got strings") }
            return NIRArray(shape: d.shape, values: values)
        }

        /// An optional array that defaults to zeros shaped like `like` (nir's rule for a missing v_reset).
        func array(_ g: HDF5Group, _ key: String, defaultLike like: NIRArray) throws -> NIRArray {
            g[key] == nil ? NIRArray.filled(0, shape: like.shape) : try array(g, key)
        }

        /// Integers (a scalar or a 1-D array; whole-valued floats accepted).
        func integers(_ g: HDF5Group, _ key: String) throws -> [Int] {
            let a = try array(g, key)
            guard a.shape.count <= 1, a.values.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e9 }) else {
                throw fail("'\(key)' must be a whole number or a list of them, got shape \(a.shape)")
            }
            return a.values.map { Int($0) }
        }

        func integer(_ g: HDF5Group, _ key: String) throws -> Int {
            let v = try integers(g, key)
            guard v.count == 1 else { throw fail("'\(key)' must be one whole number, got \(v)") }
            return v[0]
        }

        /// A per-(H, W) pair: one number means the same for both.
        func pair(_ g: HDF5Group, _ key: String) throws -> [Int] {
            let v = try integers(g, key)
            switch v.count {
            case 1: return [v[0], v[0]]
            case 2: return v
            default: throw fail("'\(key)' must give one or two values (height, width), got \(v)")
            }
        }

        func metadata(_ g: HDF5Group) throws -> [String: NIRMetadataValue] {
            var result: [String: NIRMetadataValue] = [:]
            for (key, member) in g.members {
                guard let d = member.dataset else { continue }  // nested metadata groups are kept out
                switch d.values {
                case .strings(let s) where s.count == 1: result[key] = .string(s[0])
                default:
                    if let v = d.values.doubles, v.count == 1 { result[key] = .number(v[0]) }
                }
            }
            return result
        }

        func node(_ g: HDF5Group) throws -> NIRNode {
            let type = try string(g, "type")
            switch type {
            case "Input": return .input(shape: try integers(g, "shape"))
            case "Output": return .output(shape: try integers(g, "shape"))
            case "Affine": return .affine(weight: try array(g, "weight"), bias: try array(g, "bias"))
            case "Linear": return .linear(weight: try array(g, "weight"))
            case "Conv2d":
                let weight = try array(g, "weight")
                let bias = g["bias"] == nil ? NIRArray.filled(0, shape: [weight.shape.first ?? 0]) : try array(g, "bias")
                return .conv2d(weight: weight, bias: bias, stride: try pair(g, "stride"), padding: try pair(g, "padding"),
                               dilation: try pair(g, "dilation"), groups: try integer(g, "groups"),
                               inputShape: g["input_shape"] == nil ? nil : try integers(g, "input_shape"))
            case "IF":
                let threshold = try array(g, "v_threshold")
                return .integrateAndFire(r: try array(g, "r"), vThreshold: threshold,
                                         vReset: try array(g, "v_reset", defaultLike: threshold))
            case "LIF":
                let threshold = try array(g, "v_threshold")
                return .leakyIntegrateAndFire(tau: try array(g, "tau"), r: try array(g, "r"), vLeak: try array(g, "v_leak"),
                                              vThreshold: threshold, vReset: try array(g, "v_reset", defaultLike: threshold))
            case "CubaLIF":
                let threshold = try array(g, "v_threshold")
                return .currentBasedLIF(tauSyn: try array(g, "tau_syn"), tauMem: try array(g, "tau_mem"), r: try array(g, "r"),
                                        vLeak: try array(g, "v_leak"), vThreshold: threshold,
                                        vReset: try array(g, "v_reset", defaultLike: threshold),
                                        wIn: g["w_in"] == nil ? NIRArray.filled(1, shape: threshold.shape) : try array(g, "w_in"))
            case "SumPool2d", "AvgPool2d":
                let k = try pair(g, "kernel_size"), s = try pair(g, "stride"), p = try pair(g, "padding")
                return type == "SumPool2d" ? .sumPool2d(kernel: k, stride: s, padding: p) : .avgPool2d(kernel: k, stride: s, padding: p)
            case "Flatten":
                return .flatten(startDim: try integer(g, "start_dim"), endDim: try integer(g, "end_dim"),
                                inputShape: g["input_type"]?.dataset == nil ? nil : try integers(g, "input_type"))
            case "Scale": return .scale(try array(g, "scale"))
            case "Threshold": return .threshold(try array(g, "threshold"))
            default: return .other(type: type)
            }
        }
    }
}
