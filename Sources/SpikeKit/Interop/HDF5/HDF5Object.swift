/// The contents of an HDF5 file as SpikeKit reads and writes it: a tree of groups whose leaves are
/// datasets (n-dimensional arrays of numbers or strings), each object with optional attributes.
///
/// This is the subset of HDF5 (The HDF Group, "HDF5 File Format Specification Version 3.0") that
/// h5py writes by default and that NIR files use; `HDF5Reader` parses it from bytes and
/// `HDF5Writer` produces files the HDF5 library reads. Shapes are row-major (C order), as in h5py:
/// element `[i, j]` of a `[m, n]` dataset is `values[i · n + j]`. A scalar dataset has shape `[]`.
public indirect enum HDF5Object: Sendable, Equatable {
    case group(HDF5Group)
    case dataset(HDF5Dataset)

    /// The group, or nil for a dataset.
    public var group: HDF5Group? { if case .group(let g) = self { return g } else { return nil } }
    /// The dataset, or nil for a group.
    public var dataset: HDF5Dataset? { if case .dataset(let d) = self { return d } else { return nil } }
}

/// A group: named members (the file's hard links, in name order) and attributes.
public struct HDF5Group: Sendable, Equatable {
    public var members: [String: HDF5Object]
    public var attributes: [String: HDF5Dataset]

    public init(members: [String: HDF5Object] = [:], attributes: [String: HDF5Dataset] = [:]) {
        self.members = members
        self.attributes = attributes
    }

    /// The member called `name`.
    public subscript(name: String) -> HDF5Object? {
        get { members[name] }
        set { members[name] = newValue }
    }
}

/// A dataset (or an attribute's value): its shape and its elements in row-major order.
public struct HDF5Dataset: Sendable, Equatable {
    public var shape: [Int]
    public var values: HDF5Values
    public var attributes: [String: HDF5Dataset]

    /// `values.count` must equal the product of `shape` (1 for a scalar).
    public init(shape: [Int], values: HDF5Values, attributes: [String: HDF5Dataset] = [:]) {
        precondition(shape.reduce(1, *) == values.count, "HDF5 dataset of shape \(shape) given \(values.count) values")
        self.shape = shape
        self.values = values
        self.attributes = attributes
    }

    /// A scalar string (written as a variable-length UTF-8 string, as h5py's `string_dtype()` does).
    public static func string(_ text: String) -> HDF5Dataset { HDF5Dataset(shape: [], values: .strings([text])) }
    /// A scalar 64-bit integer.
    public static func integer(_ value: Int64) -> HDF5Dataset { HDF5Dataset(shape: [], values: .integers([value])) }
    /// A 32-bit float array of `shape`.
    public static func float32(_ values: [Float], shape: [Int]) -> HDF5Dataset { HDF5Dataset(shape: shape, values: .float32(values)) }
}

/// The elements of a dataset. Every integer type the file may hold (8 to 64 bits, signed or not) is
/// read as `integers`; the writer stores `integers` as little-endian int64, `strings` as
/// variable-length UTF-8 strings.
public enum HDF5Values: Sendable, Equatable {
    case float32([Float])
    case float64([Double])
    case integers([Int64])
    case strings([String])

    public var count: Int {
        switch self {
        case .float32(let v): return v.count
        case .float64(let v): return v.count
        case .integers(let v): return v.count
        case .strings(let v): return v.count
        }
    }

    /// The elements as doubles (nil for strings). Integers above 2^53 lose precision.
    public var doubles: [Double]? {
        switch self {
        case .float32(let v): return v.map(Double.init)
        case .float64(let v): return v
        case .integers(let v): return v.map(Double.init)
        case .strings: return nil
        }
    }

    /// A short name of the element type, for messages.
    public var kindName: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .integers: return "integer"
        case .strings: return "string"
        }
    }
}
