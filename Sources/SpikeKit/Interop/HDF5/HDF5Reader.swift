import Foundation

/// Parses an HDF5 file held in memory into an `HDF5Group` tree.
///
/// Supported (what h5py and the HDF5 library write with the default `libver="earliest"`): superblock
/// versions 0 and 1; version-1 object headers with continuation blocks; "old-style" groups (symbol
/// table message → version-1 B-tree of symbol-table nodes + local heap of names); datasets with
/// compact, contiguous or chunked storage (version-1 B-tree of chunks) and the deflate, shuffle and
/// Fletcher-32 filters; fixed-point (1-8 bytes), IEEE float (4 and 8 bytes), fixed-length and
/// variable-length strings (global heap); attributes (message versions 1-3) of those types.
/// Layout and field sizes follow the HDF5 File Format Specification 3.0 (§II-§IV).
///
/// Anything else (version-2 object headers, new-style groups, other filters, compound or reference
/// types) is refused with a message that says what was found. Every address and size read from the
/// file is checked against the file length before it is used, structures that could loop (B-trees,
/// continuation chains, hard-link cycles) are bounded, and no buffer is allocated from a size the
/// file states unless that size is bounded by the file's own length (see `decodedByteLimit`). Each
/// failure is a `SpikeKitError.dataFile` naming the file, the object path and the byte offset.
public struct HDF5Reader {
    let bytes: [UInt8]
    let path: String
    var offsetSize = 8
    var lengthSize = 8
    var baseAddress = 0
    /// Objects visited so far (a file that links one group from many places cannot blow up).
    var objectsVisited = 0
    /// Bytes of decoded dataset elements produced so far.
    var bytesDecoded = 0
    var globalHeaps: [Int: [UInt32: Range<Int>]] = [:]

    /// At most this many objects (groups, datasets) per file.
    static let maximumObjects = 1 << 16
    /// At most this many messages in one object header.
    static let maximumMessages = 1 << 12
    /// At most this many nested groups.
    static let maximumDepth = 64
    /// At most this many dimensions per dataset (HDF5's own limit is 32).
    static let maximumRank = 32

    /// The decoded bytes of all datasets together may not exceed this: compressed chunks can inflate
    /// by at most about 1032:1 (deflate's limit), so 1100 × the file length plus 1 MiB of missing
    /// (fill-value) chunks, and never more than 1 GiB.
    var decodedByteLimit: Int { min(1 << 30, bytes.count.multipliedReportingOverflow(by: 1100).partialValue + (1 << 20)) }

    /// Reads the file at `url`.
    public static func read(contentsOf url: URL) throws -> HDF5Group {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpikeKitError.io(path: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse([UInt8](data), path: url.path)
    }

    /// Parses a whole file; `path` names it in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> HDF5Group {
        var reader = HDF5Reader(bytes: bytes, path: path)
        return try reader.readRoot()
    }

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    // MARK: Errors and bounded reads

    func fail(_ object: String, _ offset: Int?, _ reason: String) -> SpikeKitError {
        .dataFile(path: path, offset: offset, reason: "HDF5 object '\(object)': \(reason)")
    }

    /// `count` bytes at `offset`, both checked against the file.
    func range(_ offset: Int, _ count: Int, _ object: String, _ what: String) throws -> Range<Int> {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw fail(object, offset, "\(what) (\(count) bytes) runs past the end of the \(bytes.count)-byte file")
        }
        return offset..<(offset + count)
    }

    /// An unsigned little-endian integer of `width` bytes (1-8).
    func unsigned(_ offset: Int, _ width: Int, _ object: String, _ what: String) throws -> UInt64 {
        let r = try range(offset, width, object, what)
        var value: UInt64 = 0
        for (k, i) in r.enumerated() { value |= UInt64(bytes[i]) << (8 * UInt64(k)) }
        return value
    }

    func u8(_ o: Int, _ object: String, _ what: String) throws -> Int { Int(try unsigned(o, 1, object, what)) }
    func u16(_ o: Int, _ object: String, _ what: String) throws -> Int { Int(try unsigned(o, 2, object, what)) }
    func u32(_ o: Int, _ object: String, _ what: String) throws -> Int { Int(try unsigned(o, 4, object, what)) }

    /// A length field (`lengthSize` bytes) that must fit the file: anything larger cannot describe bytes in it.
    func length(_ o: Int, _ object: String, _ what: String) throws -> Int {
        let v = try unsigned(o, lengthSize, object, what)
        guard v <= UInt64(Int32.max) else { throw fail(object, o, "\(what) \(v) is implausibly large") }
        return Int(v)
    }

    /// The undefined address (all bits set), in the file's offset size.
    var undefinedAddress: UInt64 { offsetSize == 8 ? .max : (UInt64(1) << (8 * UInt64(offsetSize))) - 1 }

    /// An address field, nil if undefined; a defined one must lie inside the file.
    func address(_ o: Int, _ object: String, _ what: String) throws -> Int? {
        let v = try unsigned(o, offsetSize, object, what)
        if v == undefinedAddress { return nil }
        guard v <= UInt64(bytes.count), UInt64(baseAddress) + v <= UInt64(bytes.count) else {
            throw fail(object, o, "\(what) \(v) lies outside the \(bytes.count)-byte file")
        }
        return baseAddress + Int(v)
    }

    /// A defined address (nil is an error).
    func requiredAddress(_ o: Int, _ object: String, _ what: String) throws -> Int {
        guard let a = try address(o, object, what) else { throw fail(object, o, "\(what) is undefined") }
        return a
    }

    func signature(_ o: Int, _ expected: String, _ object: String, _ what: String) throws {
        let r = try range(o, expected.utf8.count, object, what)
        guard Array(bytes[r]) == Array(expected.utf8) else {
            throw fail(object, o, "\(what): expected signature '\(expected)'")
        }
    }

    // MARK: Superblock

    static let fileSignature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    mutating func readRoot() throws -> HDF5Group {
        // The superblock sits at 0, 512, 1024, 2048, … (a user block may precede it).
        var start = -1
        var candidate = 0
        while candidate + 8 <= bytes.count {
            if Array(bytes[candidate..<(candidate + 8)]) == Self.fileSignature { start = candidate; break }
            candidate = candidate == 0 ? 512 : candidate * 2
        }
        guard start >= 0 else {
            throw SpikeKitError.dataFile(path: path, offset: 0, reason: "not an HDF5 file (no HDF5 signature at 0, 512, 1024, …)")
        }
        let s = "superblock"
        let version = try u8(start + 8, s, "superblock version")
        guard version <= 1 else {
            throw fail("/", start + 8, "superblock version \(version) is not supported (only versions 0 and 1, "
                       + "which h5py writes by default; was the file written with libver='latest'?)")
        }
        offsetSize = try u8(start + 13, s, "size of offsets")
        lengthSize = try u8(start + 14, s, "size of lengths")
        guard [2, 4, 8].contains(offsetSize), [2, 4, 8].contains(lengthSize) else {
            throw fail("/", start + 13, "sizes of offsets \(offsetSize) and lengths \(lengthSize) must be 2, 4 or 8")
        }
        var o = start + 24 + (version == 1 ? 4 : 0)
        let base = try unsigned(o, offsetSize, s, "base address")
        guard base <= UInt64(bytes.count) else { throw fail("/", o, "base address \(base) lies outside the file") }
        baseAddress = Int(base)
        o += 4 * offsetSize  // base, free-space, end-of-file and driver-information addresses
        let entry = try symbolTableEntry(o, "/")
        return try group(at: entry.header, path: "/", ancestors: [])
    }

    // MARK: Symbol table entries, local heaps, group B-trees

    /// The size of one symbol-table entry: link name offset, object header address, cache type,
    /// reserved, 16-byte scratch pad.
    var entrySize: Int { 2 * offsetSize + 24 }

    func symbolTableEntry(_ o: Int, _ object: String) throws -> (nameOffset: Int, header: Int) {
        _ = try range(o, entrySize, object, "symbol table entry")
        let name = try unsigned(o, offsetSize, object, "link name offset")
        guard name <= UInt64(Int32.max) else { throw fail(object, o, "link name offset \(name) is implausibly large") }
        return (Int(name), try requiredAddress(o + offsetSize, object, "object header address"))
    }

    /// The data segment of the local heap at `address`.
    func localHeap(at address: Int, _ object: String) throws -> Range<Int> {
        try signature(address, "HEAP", object, "local heap")
        let version = try u8(address + 4, object, "local heap version")
        guard version == 0 else { throw fail(object, address + 4, "local heap version \(version) is not supported") }
        let size = try length(address + 8, object, "local heap data size")
        let data = try requiredAddress(address + 8 + 2 * lengthSize, object, "local heap data address")
        return try range(data, size, object, "local heap data segment")
    }

    /// The null-terminated name at `offset` in a local heap's data segment.
    func heapName(_ heap: Range<Int>, _ offset: Int, _ object: String) throws -> String {
        guard offset >= 0, offset < heap.count else {
            throw fail(object, heap.lowerBound, "link name offset \(offset) lies outside the \(heap.count)-byte local heap")
        }
        let start = heap.lowerBound + offset
        guard let end = bytes[start..<heap.upperBound].firstIndex(of: 0) else {
            throw fail(object, start, "a link name in the local heap is not null-terminated")
        }
        guard let name = String(bytes: bytes[start..<end], encoding: .utf8) else {
            throw fail(object, start, "a link name is not valid UTF-8")
        }
        return name
    }

    /// The header of a version-1 B-tree node at `node` (signature "TREE", `type` 0 for groups and 1
    /// for chunks, the level its parent implies, the entries used), checked before the node's keys are
    /// read; `visited` refuses a node seen before (a cycle) and bounds the walk. `kind` names the tree.
    func bTreeNode(_ node: Int, type expected: Int, expectedLevel: Int?, visited: inout Set<Int>, kind: String,
                   _ object: String) throws -> (level: Int, entries: Int) {
        guard visited.insert(node).inserted, visited.count <= Self.maximumObjects else {
            throw fail(object, node, "the \(kind) B-tree revisits a node (a cycle) or is too large")
        }
        try signature(node, "TREE", object, "\(kind) B-tree node")
        let type = try u8(node + 4, object, "B-tree node type")
        guard type == expected else { throw fail(object, node + 4, "a \(kind) B-tree node has type \(type), expected \(expected)") }
        let level = try u8(node + 5, object, "B-tree node level")
        if let expectedLevel, level != expectedLevel {
            throw fail(object, node + 5, "B-tree node level \(level), expected \(expectedLevel)")
        }
        return (level, try u16(node + 6, object, "B-tree entries used"))
    }

    /// Every (name offset, object header) entry of the group B-tree rooted at `address`.
    mutating func groupEntries(btree address: Int, heap: Range<Int>, _ object: String) throws -> [(String, Int)] {
        var result: [(String, Int)] = []
        var visited = Set<Int>()
        var leaves = Set<Int>()
        var pending: [(address: Int, level: Int?)] = [(address, nil)]
        while let (node, expectedLevel) = pending.popLast() {
            let (level, entries) = try bTreeNode(node, type: 0, expectedLevel: expectedLevel, visited: &visited,
                                                 kind: "group", object)
            // Keys (lengthSize) and children (offsetSize) alternate after the two sibling addresses.
            let first = node + 8 + 2 * offsetSize
            _ = try range(first, entries * (lengthSize + offsetSize) + lengthSize, object, "B-tree keys and children")
            for k in 0..<entries {
                let child = try requiredAddress(first + lengthSize + k * (lengthSize + offsetSize), object, "B-tree child address")
                if level > 0 {
                    pending.append((child, level - 1))
                } else {
                    guard leaves.insert(child).inserted else {
                        throw fail(object, child, "a symbol table node is listed twice in the group's B-tree")
                    }
                    result += try symbolTableNode(child, heap: heap, object)
                    guard result.count <= Self.maximumObjects else { throw fail(object, child, "the group has too many members") }
                }
            }
        }
        return result
    }

    func symbolTableNode(_ address: Int, heap: Range<Int>, _ object: String) throws -> [(String, Int)] {
        try signature(address, "SNOD", object, "symbol table node")
        let version = try u8(address + 4, object, "symbol table node version")
        guard version == 1 else { throw fail(object, address + 4, "symbol table node version \(version) is not supported") }
        let count = try u16(address + 6, object, "symbol count")
        _ = try range(address + 8, count * entrySize, object, "symbol table entries")
        return try (0..<count).map { k in
            let entry = try symbolTableEntry(address + 8 + k * entrySize, object)
            return (try heapName(heap, entry.nameOffset, object), entry.header)
        }
    }

    // MARK: Objects

    /// One header message: type, flags, and where its data lies.
    struct Message {
        var type: Int
        var flags: Int
        var data: Range<Int>
    }

    /// The messages of the version-1 object header at `address`, continuation blocks included.
    func messages(at address: Int, _ object: String) throws -> [Message] {
        let version = try u8(address, object, "object header version")
        guard version == 1 else {
            if (try? signature(address, "OHDR", object, "")) != nil {
                throw fail(object, address, "version-2 object headers are not supported (the file was written with libver='latest')")
            }
            throw fail(object, address, "object header version \(version) is not supported (expected 1)")
        }
        let declared = try u16(address + 2, object, "header message count")
        let size = try u32(address + 8, object, "object header size")
        var blocks = [try range(address + 16, size, object, "object header messages")]
        var visitedBlocks = Set([address + 16])
        var result: [Message] = []
        while let block = blocks.popLast() {
            var o = block.lowerBound
            while o + 8 <= block.upperBound {
                let type = try u16(o, object, "message type")
                let messageSize = try u16(o + 2, object, "message size")
                let flags = try u8(o + 4, object, "message flags")
                let data = try range(o + 8, messageSize, object, "message data")
                guard data.upperBound <= block.upperBound else {
                    throw fail(object, o, "a header message of \(messageSize) bytes runs past its header block")
                }
                if type == 0x10 {  // continuation: more messages elsewhere
                    let next = try requiredAddress(data.lowerBound, object, "continuation address")
                    let nextSize = try length(data.lowerBound + offsetSize, object, "continuation length")
                    guard visitedBlocks.insert(next).inserted else {
                        throw fail(object, data.lowerBound, "object header continuation blocks form a cycle")
                    }
                    blocks.append(try range(next, nextSize, object, "continuation block"))
                } else if type != 0 {
                    result.append(Message(type: type, flags: flags, data: data))
                }
                guard result.count <= Self.maximumMessages else { throw fail(object, o, "the object header has too many messages") }
                o = data.upperBound
            }
        }
        _ = declared  // the count includes NIL and continuation messages; the blocks themselves are authoritative
        return result
    }

    mutating func countObject(_ object: String, _ address: Int) throws {
        objectsVisited += 1
        guard objectsVisited <= Self.maximumObjects else {
            throw fail(object, address, "the file links more than \(Self.maximumObjects) objects")
        }
    }

    /// The group whose object header is at `address`.
    mutating func group(at address: Int, path: String, ancestors: Set<Int>) throws -> HDF5Group {
        try countObject(path, address)
        let messages = try self.messages(at: address, path)
        guard let table = messages.first(where: { $0.type == 0x11 }) else {
            if messages.contains(where: { $0.type == 0x06 || $0.type == 0x02 }) {
                throw fail(path, address, "new-style groups (link messages) are not supported; only symbol-table groups")
            }
            throw fail(path, address, "the object is not a group (no symbol table message)")
        }
        let btree = try requiredAddress(table.data.lowerBound, path, "group B-tree address")
        let heap = try localHeap(at: try requiredAddress(table.data.lowerBound + offsetSize, path, "local heap address"), path)
        var result = HDF5Group(attributes: try attributes(messages, path))
        let lineage = ancestors.union([address])
        guard lineage.count <= Self.maximumDepth else {
            throw fail(path, address, "groups are nested more than \(Self.maximumDepth) deep")
        }
        for (name, header) in try groupEntries(btree: btree, heap: heap, path) {
            let childPath = path == "/" ? "/" + name : path + "/" + name
            guard !name.isEmpty, !name.contains("/") else { throw fail(childPath, header, "invalid link name '\(name)'") }
            guard result.members[name] == nil else { throw fail(childPath, header, "the name appears twice in its group") }
            guard !lineage.contains(header) else { throw fail(childPath, header, "the link points back at a parent group (a cycle)") }
            result.members[name] = try object(at: header, path: childPath, ancestors: lineage)
        }
        return result
    }

    /// A group or a dataset, depending on its header messages.
    mutating func object(at address: Int, path: String, ancestors: Set<Int>) throws -> HDF5Object {
        let messages = try self.messages(at: address, path)
        if messages.contains(where: { $0.type == 0x11 || $0.type == 0x02 || $0.type == 0x06 }) {
            return .group(try group(at: address, path: path, ancestors: ancestors))
        }
        try countObject(path, address)
        return .dataset(try dataset(messages, path: path, address: address))
    }
}
