import Foundation

/// Writes an `HDF5Group` tree as an HDF5 file that h5py and the HDF5 library read, using the same
/// structures h5py writes by default (`libver="earliest"`), so that `HDF5Reader` reads back exactly
/// what it wrote: superblock version 0 with 8-byte offsets and lengths; version-1 object headers;
/// symbol-table groups (version-1 B-tree with K = 16, symbol-table nodes with K = 4, local heap of
/// names); contiguous datasets, or, with `compressionLevel`, one deflate-compressed chunk per
/// dataset (the whole array, as nir's default `compression="gzip"` produces for small arrays);
/// float32, float64 and int64 little-endian elements; variable-length UTF-8 strings in global heap
/// collections; attributes (message version 1). HDF5 File Format Specification 3.0.
///
/// Layout of the file: superblock, global heap collections (every string of the file), then each
/// object depth-first, children before the group that names them.
public struct HDF5Writer {
    /// deflate level 0-9 for numeric arrays, nil to store them uncompressed.
    public var compressionLevel: Int?

    public init(compressionLevel: Int? = 4) {
        self.compressionLevel = compressionLevel
    }

    /// The file's bytes.
    public func encode(_ root: HDF5Group) throws -> [UInt8] {
        var state = State(compressionLevel: compressionLevel)
        try state.encode(root)
        return state.out
    }

    /// Writes `root` to `url` atomically.
    public func write(_ root: HDF5Group, to url: URL) throws {
        try AtomicFile.write(Data(try encode(root)), to: url)
    }

    // Sizes fixed by this writer's superblock.
    static let leafK = 4, internalK = 16, chunkK = 32

    struct State {
        let compressionLevel: Int?
        var out: [UInt8] = []
        /// Global heap ids of the strings, consumed in the same order they were collected.
        var stringIDs: [(collection: Int, index: Int)] = []
        var nextString = 0

        init(compressionLevel: Int?) { self.compressionLevel = compressionLevel }

        // MARK: Bytes

        mutating func align8() { while out.count % 8 != 0 { out.append(0) } }
        mutating func u8(_ v: Int) { out.append(UInt8(truncatingIfNeeded: v)) }
        mutating func u16(_ v: Int) { for k in 0..<2 { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        mutating func u32(_ v: Int) { for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        mutating func u64(_ v: UInt64) { for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
        mutating func u64(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
        mutating func patch64(_ at: Int, _ v: Int) {
            for k in 0..<8 { out[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
        }
        static let undefined = UInt64.max

        // MARK: File

        mutating func encode(_ root: HDF5Group) throws {
            out += HDF5Reader.fileSignature
            out += [0, 0, 0, 0, 0, 8, 8, 0]  // superblock, free-space, root-entry, reserved, shared-header versions; sizes
            u16(HDF5Writer.leafK); u16(HDF5Writer.internalK)
            u32(0)  // consistency flags
            u64(0)  // base address
            u64(State.undefined)  // free-space info
            let endOfFile = out.count; u64(0)
            u64(State.undefined)  // driver information
            let rootEntry = out.count
            out += [UInt8](repeating: 0, count: 40)

            var strings: [String] = []
            Self.collectStrings(root, into: &strings)
            try writeGlobalHeaps(strings)
            let (header, btree, heap) = try writeGroup(root)
            patch64(rootEntry + 8, header)
            out[rootEntry + 16] = 1  // cache type 1: the group's B-tree and heap in the scratch pad
            patch64(rootEntry + 24, btree)
            patch64(rootEntry + 32, heap)
            patch64(endOfFile, out.count)
        }

        /// Every string in the order `writeGroup` will need them (members by name, attributes by name
        /// before the members they belong to).
        static func collectStrings(_ group: HDF5Group, into list: inout [String]) {
            for name in group.attributes.keys.sorted() { collect(group.attributes[name]!, into: &list) }
            for name in group.members.keys.sorted() {
                switch group.members[name]! {
                case .group(let g): collectStrings(g, into: &list)
                case .dataset(let d):
                    collect(d, into: &list)
                    for a in d.attributes.keys.sorted() { collect(d.attributes[a]!, into: &list) }
                }
            }
        }

        static func collect(_ d: HDF5Dataset, into list: inout [String]) {
            if case .strings(let s) = d.values { list += s }
        }

        /// Global heap collections holding `strings` (at most 60 000 objects each, at least 4096 bytes,
        /// the HDF5 library's minimum collection size).
        mutating func writeGlobalHeaps(_ strings: [String]) throws {
            var start = 0
            while start < strings.count {
                let batch = strings[start..<min(strings.count, start + 60_000)]
                align8()
                let collection = out.count
                out += Array("GCOL".utf8); out += [1, 0, 0, 0]
                let sizeField = out.count; u64(0)
                for (k, s) in batch.enumerated() {
                    let bytes = Array(s.utf8)
                    u16(k + 1); u16(0); u32(0); u64(bytes.count)
                    out += bytes; align8()
                    stringIDs.append((collection, k + 1))
                }
                var size = out.count - collection
                let free = max(16, 4096 - size)
                u16(0); u16(0); u32(0); u64(free)  // the free-space object covers the rest
                out += [UInt8](repeating: 0, count: free - 16)
                size = out.count - collection
                patch64(sizeField, size)
                start += batch.count
            }
        }

        // MARK: Groups

        /// Writes the members, then the group's heap, symbol-table nodes, B-tree and object header.
        mutating func writeGroup(_ group: HDF5Group) throws -> (header: Int, btree: Int, heap: Int) {
            let attributeMessages = try group.attributes.keys.sorted().map { try attributeMessage($0, group.attributes[$0]!) }
            var entries: [(name: String, header: Int, scratch: (Int, Int)?)] = []
            for name in group.members.keys.sorted(by: Self.precedes) {
                guard !name.isEmpty, !name.contains("/"), !name.utf8.contains(0) else {
                    throw SpikeKitError.usage("HDF5 member name '\(name)' is not valid (empty, or holds '/' or NUL)")
                }
                switch group.members[name]! {
                case .group(let g):
                    let (h, b, l) = try writeGroup(g)
                    entries.append((name, h, (b, l)))
                case .dataset(let d):
                    entries.append((name, try writeDataset(d), nil))
                }
            }
            // Local heap: "" at offset 0, then each name null-terminated and padded to 8 bytes.
            var heapData: [UInt8] = [UInt8](repeating: 0, count: 8)
            var nameOffsets: [Int] = []
            for e in entries {
                nameOffsets.append(heapData.count)
                heapData += Array(e.name.utf8) + [0]
                while heapData.count % 8 != 0 { heapData.append(0) }
            }
            align8()
            let heap = out.count
            out += Array("HEAP".utf8); out += [0, 0, 0, 0]
            u64(heapData.count); u64(1)  // data size; free list offset 1 = no free block
            u64(out.count + 8)
            out += heapData

            // Symbol-table nodes of at most 2K entries; one B-tree node (up to 2·16 children) above them.
            let perNode = 2 * HDF5Writer.leafK
            let chunks = stride(from: 0, to: max(entries.count, 1), by: perNode).map { $0..<min(entries.count, $0 + perNode) }
            guard chunks.count <= 2 * HDF5Writer.internalK else {
                throw SpikeKitError.usage("an HDF5 group with \(entries.count) members is more than this writer supports "
                                          + "(\(2 * HDF5Writer.internalK * perNode))")
            }
            var nodes: [Int] = []
            for chunk in chunks {
                align8()
                nodes.append(out.count)
                out += Array("SNOD".utf8); out += [1, 0]; u16(chunk.count)
                for k in 0..<perNode {
                    if k < chunk.count {
                        let e = entries[chunk.lowerBound + k]
                        u64(nameOffsets[chunk.lowerBound + k]); u64(e.header)
                        if let (b, l) = e.scratch { u32(1); u32(0); u64(b); u64(l) } else { u32(0); u32(0); u64(0); u64(0) }
                    } else {
                        out += [UInt8](repeating: 0, count: 40)
                    }
                }
            }
            align8()
            let btree = out.count
            out += Array("TREE".utf8); u8(0); u8(0); u16(entries.isEmpty ? 0 : chunks.count)
            u64(State.undefined); u64(State.undefined)
            let keys = entries.isEmpty ? [0] : [0] + chunks.map { nameOffsets[$0.upperBound - 1] }
            for k in 0..<(2 * HDF5Writer.internalK) {
                u64(k < keys.count ? keys[k] : 0)
                u64(!entries.isEmpty && k < nodes.count ? nodes[k] : 0)
            }
            u64(keys.count > 2 * HDF5Writer.internalK ? keys[2 * HDF5Writer.internalK] : 0)

            var table: [UInt8] = []
            for v in [btree, heap] { for k in 0..<8 { table.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
            let header = writeObjectHeader([(0x11, 0, table)] + attributeMessages)
            return (header, btree, heap)
        }

        /// HDF5 orders a group's names by `strcmp`, i.e. by their UTF-8 bytes.
        static func precedes(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }

        /// A version-1 object header holding `messages` (type, flags, data), each padded to 8 bytes.
        mutating func writeObjectHeader(_ messages: [(Int, Int, [UInt8])]) -> Int {
            align8()
            let start = out.count
            let size = messages.reduce(0) { $0 + 8 + ($1.2.count + 7) / 8 * 8 }
            u8(1); u8(0); u16(messages.count); u32(1); u32(size); u32(0)
            for (type, flags, data) in messages {
                u16(type); u16((data.count + 7) / 8 * 8); u8(flags); out += [0, 0, 0]
                out += data; align8()
            }
            return start
        }

        // MARK: Datasets

        /// The element type's datatype message, the element bytes, and the element size.
        mutating func elements(_ d: HDF5Dataset) -> (type: [UInt8], raw: [UInt8], size: Int) {
            var raw: [UInt8] = []
            func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { raw += $0 } }
            switch d.values {
            case .float32(let v):
                raw.reserveCapacity(4 * v.count)
                for x in v { append(x.bitPattern) }
                return ([0x11, 0x20, 0x1F, 0x00, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0], raw, 4)
            case .float64(let v):
                raw.reserveCapacity(8 * v.count)
                for x in v { append(x.bitPattern) }
                return ([0x11, 0x20, 0x3F, 0x00, 8, 0, 0, 0, 0, 0, 64, 0, 52, 11, 0, 52, 0xFF, 0x03, 0, 0], raw, 8)
            case .integers(let v):
                raw.reserveCapacity(8 * v.count)
                for x in v { append(x) }
                return ([0x10, 0x08, 0x00, 0x00, 8, 0, 0, 0, 0, 0, 64, 0], raw, 8)
            case .strings(let v):
                for s in v {
                    let id = stringIDs[nextString]; nextString += 1
                    append(UInt32(s.utf8.count)); append(UInt64(id.collection)); append(UInt32(id.index))
                }
                // Variable-length string, null-terminated, UTF-8; base type: 1-byte unsigned integer.
                return ([0x19, 0x01, 0x01, 0x00, 16, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0], raw, 16)
            }
        }

        static func dataspace(_ shape: [Int]) -> [UInt8] {
            var m: [UInt8] = [1, UInt8(shape.count), shape.isEmpty ? 0 : 1, 0, 0, 0, 0, 0]
            for pass in 0..<(shape.isEmpty ? 0 : 2) {  // dimensions, then the same as maximum dimensions
                _ = pass
                for d in shape { for k in 0..<8 { m.append(UInt8(truncatingIfNeeded: d >> (8 * k))) } }
            }
            return m
        }

        mutating func writeDataset(_ d: HDF5Dataset) throws -> Int {
            // The dataset's own strings come before its attributes' (the order `collectStrings` lists them).
            let (type, raw, elementSize) = elements(d)
            let attributeMessages = try d.attributes.keys.sorted().map { try attributeMessage($0, d.attributes[$0]!) }
            let count = d.values.count
            var isString = false
            if case .strings = d.values { isString = true }
            var messages: [(Int, Int, [UInt8])] = [(0x01, 0, Self.dataspace(d.shape)), (0x03, 1, type)]
            if let level = compressionLevel, !d.shape.isEmpty, count > 0, !isString,
               d.shape.allSatisfy({ $0 <= Int(UInt32.max) }), raw.count <= Int(UInt32.max) {
                let compressed = try HDF5Deflate.compress(raw, level: level)
                align8()
                let chunk = out.count
                out += compressed
                // Chunk B-tree: one leaf node holding the single chunk at offset 0.
                align8()
                let btree = out.count
                out += Array("TREE".utf8); u8(1); u8(0); u16(1); u64(State.undefined); u64(State.undefined)
                let keySize = 8 + 8 * (d.shape.count + 1)
                u32(compressed.count); u32(0); for _ in 0...d.shape.count { u64(0) }
                u64(chunk)
                u32(0); u32(0); for s in d.shape { u64(s) }; u64(0)
                out += [UInt8](repeating: 0, count: (2 * HDF5Writer.chunkK - 1) * (keySize + 8))
                messages.append((0x05, 1, [2, 3, 2, 1, 0, 0, 0, 0]))  // fill value: incremental allocation, default
                var filter: [UInt8] = [1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 1, 0, 1, 0]
                filter += Array("deflate".utf8) + [0]
                filter += [UInt8(level), 0, 0, 0, 0, 0, 0, 0]
                messages.append((0x0B, 1, filter))
                var layout: [UInt8] = [3, 2, UInt8(d.shape.count + 1)]
                for k in 0..<8 { layout.append(UInt8(truncatingIfNeeded: btree >> (8 * k))) }
                for s in d.shape + [elementSize] { for k in 0..<4 { layout.append(UInt8(truncatingIfNeeded: s >> (8 * k))) } }
                messages.append((0x08, 0, layout))
            } else {
                var address = -1
                if !raw.isEmpty { align8(); address = out.count; out += raw }
                messages.append((0x05, 1, [2, 2, 2, 1, 0, 0, 0, 0]))  // fill value: late allocation, default
                var layout: [UInt8] = [3, 1]
                for k in 0..<8 { layout.append(UInt8(truncatingIfNeeded: address >> (8 * k))) }
                for k in 0..<8 { layout.append(UInt8(truncatingIfNeeded: raw.count >> (8 * k))) }
                messages.append((0x08, 0, layout))
            }
            return writeObjectHeader(messages + attributeMessages)
        }

        /// An attribute message (version 1: name, datatype and dataspace each padded to 8 bytes).
        mutating func attributeMessage(_ name: String, _ value: HDF5Dataset) throws -> (Int, Int, [UInt8]) {
            let nameBytes = Array(name.utf8) + [0]
            let (type, raw, _) = elements(value)
            let space = Self.dataspace(value.shape)
            var m: [UInt8] = [1, 0]
            for v in [nameBytes.count, type.count, space.count] { m.append(UInt8(v & 0xFF)); m.append(UInt8(v >> 8)) }
            func padded(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (8 - b.count % 8) % 8) }
            m += padded(nameBytes) + padded(type) + padded(space) + raw
            guard m.count <= 65_535 else { throw SpikeKitError.usage("HDF5 attribute '\(name)' is too large for an object header") }
            return (0x0C, 0, m)
        }
    }
}
