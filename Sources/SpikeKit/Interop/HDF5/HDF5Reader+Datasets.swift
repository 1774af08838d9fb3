import Foundation

/// Datasets and attributes: the datatype, dataspace, layout and filter-pipeline messages, chunk
/// B-trees, and the conversion of raw elements into `HDF5Values` (HDF5 File Format Specification 3.0,
/// §IV.A.2 messages 0x0001, 0x0003, 0x0008, 0x000B, 0x000C; §III.A.1 B-tree type 1; §III.E global heap).
extension HDF5Reader {
    /// An element type the reader can decode.
    enum Datatype {
        case integer(size: Int, signed: Bool, bigEndian: Bool)
        case float(size: Int, bigEndian: Bool)
        case fixedString(size: Int, spacePadded: Bool)
        case variableString

        /// Bytes per element in the raw data (a variable-length element is a length and a global heap id).
        func size(offsetSize: Int) -> Int {
            switch self {
            case .integer(let s, _, _), .float(let s, _), .fixedString(let s, _): return s
            case .variableString: return 4 + offsetSize + 4
            }
        }
    }

    /// Parses a datatype message at `o`; returns the type and the bytes the description used.
    func datatype(_ o: Int, _ end: Int, _ object: String) throws -> (Datatype, Int) {
        let classAndVersion = try u8(o, object, "datatype class")
        let typeClass = classAndVersion & 0x0F, version = classAndVersion >> 4
        guard (1...3).contains(version) else { throw fail(object, o, "datatype version \(version) is not supported") }
        let bits = try u8(o + 1, object, "datatype bit field")
        let bits1 = try u8(o + 2, object, "datatype bit field")
        let size = try u32(o + 4, object, "datatype size")
        switch typeClass {
        case 0:
            guard [1, 2, 4, 8].contains(size) else { throw fail(object, o + 4, "integer of \(size) bytes is not supported") }
            return (.integer(size: size, signed: bits & 0x08 != 0, bigEndian: bits & 0x01 != 0), 12)
        case 1:
            guard size == 4 || size == 8 else {
                throw fail(object, o + 4, "floating-point numbers of \(size) bytes are not supported (only 4 and 8)")
            }
            guard bits & 0x40 == 0 else { throw fail(object, o + 1, "VAX byte order is not supported") }
            let exponentSize = try u8(o + 8 + 5, object, "float exponent size")
            guard exponentSize == (size == 4 ? 8 : 11) else {
                throw fail(object, o + 13, "a \(size)-byte float with a \(exponentSize)-bit exponent is not IEEE 754")
            }
            return (.float(size: size, bigEndian: bits & 0x01 != 0), 20)
        case 3:
            guard size >= 1 && size <= 1 << 20 else { throw fail(object, o + 4, "fixed-length string of \(size) bytes") }
            return (.fixedString(size: size, spacePadded: bits & 0x0F == 2), 8)
        case 9:
            guard bits & 0x0F == 1 else {
                throw fail(object, o + 1, "variable-length sequences other than strings are not supported")
            }
            _ = bits1
            // The base type (one byte characters) follows; its length is needed to skip it. It may
            // not be variable-length itself, so a hostile file cannot make this recurse deeply.
            guard try u8(o + 8, object, "variable-length base type") & 0x0F != 9 else {
                throw fail(object, o + 8, "nested variable-length types are not supported")
            }
            let (_, baseLength) = try datatype(o + 8, end, object)
            return (.variableString, 8 + baseLength)
        default:
            let names = [2: "time", 4: "bit field", 5: "opaque", 6: "compound", 7: "reference", 8: "enumeration", 10: "array"]
            throw fail(object, o, "datatype class \(names[typeClass] ?? String(typeClass)) is not supported "
                       + "(only integers, floats and strings)")
        }
    }

    /// Parses a dataspace message: the dimensions (`[]` for a scalar), nil for a null dataspace.
    func dataspace(_ o: Int, _ object: String) throws -> [Int]? {
        let version = try u8(o, object, "dataspace version")
        let rank = try u8(o + 1, object, "dataspace rank")
        let flags = try u8(o + 2, object, "dataspace flags")
        guard rank <= Self.maximumRank else { throw fail(object, o + 1, "dataspace rank \(rank) exceeds \(Self.maximumRank)") }
        let first: Int
        switch version {
        case 1: first = o + 8
        case 2:
            let kind = try u8(o + 3, object, "dataspace type")
            if kind == 2 { return nil }
            first = o + 4
        default: throw fail(object, o, "dataspace version \(version) is not supported")
        }
        _ = flags
        var dims: [Int] = []
        var total = 1
        for k in 0..<rank {
            let d = try unsigned(first + k * lengthSize, lengthSize, object, "dimension size")
            guard d <= UInt64(Int32.max) else { throw fail(object, first + k * lengthSize, "dimension \(k) of size \(d) is implausibly large") }
            dims.append(Int(d))
            let (product, overflow) = total.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= Int(Int32.max) else { throw fail(object, first, "the dataspace \(dims) holds too many elements") }
            total = product
        }
        return dims
    }

    /// Where the raw elements of a dataset live.
    enum Layout {
        case compact(Range<Int>)
        case contiguous(address: Int?, size: Int)
        case chunked(btree: Int?, chunk: [Int])
    }

    func layout(_ m: Message, rank: Int, _ object: String) throws -> Layout {
        let o = m.data.lowerBound
        let version = try u8(o, object, "layout version")
        switch version {
        case 3:
            let kind = try u8(o + 1, object, "layout class")
            switch kind {
            case 0:
                let size = try u16(o + 2, object, "compact data size")
                return .compact(try range(o + 4, size, object, "compact data"))
            case 1:
                return .contiguous(address: try address(o + 2, object, "contiguous data address"),
                                   size: try length(o + 2 + offsetSize, object, "contiguous data size"))
            case 2:
                let dimensionality = try u8(o + 2, object, "chunk dimensionality")
                let btree = try address(o + 3, object, "chunk B-tree address")
                let dims = try (0..<dimensionality).map { try u32(o + 3 + offsetSize + 4 * $0, object, "chunk dimension") }
                return try chunkLayout(btree, dims, rank: rank, object, o)
            default:
                throw fail(object, o + 1, "layout class \(kind) is not supported")
            }
        case 1, 2:
            let dimensionality = try u8(o + 1, object, "layout dimensionality")
            let kind = try u8(o + 2, object, "layout class")
            var p = o + 8
            var addr: Int?
            if kind != 0 { addr = try address(p, object, "data address"); p += offsetSize }
            let dims = try (0..<dimensionality).map { try u32(p + 4 * $0, object, "layout dimension") }
            p += 4 * dimensionality
            switch kind {
            case 0:
                let size = try u32(p, object, "compact data size")
                return .compact(try range(p + 4, size, object, "compact data"))
            case 1:
                var total = 1
                for d in dims { total = total.multipliedReportingOverflow(by: d).overflow ? Int.max : total * d }
                return .contiguous(address: addr, size: total)
            case 2:
                return try chunkLayout(addr, dims + [try u32(p, object, "chunk element size")], rank: rank, object, o)
            default:
                throw fail(object, o + 2, "layout class \(kind) is not supported")
            }
        default:
            throw fail(object, o, "data layout version \(version) is not supported (only 1-3; version 4 needs libver='latest')")
        }
    }

    private func chunkLayout(_ btree: Int?, _ dims: [Int], rank: Int, _ object: String, _ o: Int) throws -> Layout {
        // The last chunk dimension is the element size in bytes.
        guard dims.count == rank + 1, dims.dropLast().allSatisfy({ $0 >= 1 }) else {
            throw fail(object, o, "chunk dimensions \(dims) do not match a rank-\(rank) dataset")
        }
        return .chunked(btree: btree, chunk: Array(dims.dropLast()))
    }

    /// One filter of a filter pipeline.
    struct Filter {
        var id: Int
        var optional: Bool
        var clientData: [Int]
    }

    func filters(_ m: Message, _ object: String) throws -> [Filter] {
        let o = m.data.lowerBound
        let version = try u8(o, object, "filter pipeline version")
        let count = try u8(o + 1, object, "filter count")
        guard version == 1 || version == 2 else { throw fail(object, o, "filter pipeline version \(version) is not supported") }
        guard count <= 32 else { throw fail(object, o + 1, "\(count) filters (at most 32)") }
        var p = o + (version == 1 ? 8 : 2)
        var result: [Filter] = []
        for _ in 0..<count {
            let id = try u16(p, object, "filter id")
            var nameLength = 0
            if version == 1 || id >= 256 { nameLength = try u16(p + 2, object, "filter name length"); p += 2 }
            let flags = try u16(p + 2, object, "filter flags")
            let values = try u16(p + 4, object, "filter client data count")
            p += 6
            if version == 1 { nameLength = (nameLength + 7) / 8 * 8 }
            p += nameLength
            let data = try (0..<values).map { try u32(p + 4 * $0, object, "filter client data") }
            p += 4 * values
            if version == 1 && values % 2 == 1 { p += 4 }
            guard p <= m.data.upperBound else { throw fail(object, o, "the filter pipeline runs past its message") }
            result.append(Filter(id: id, optional: flags & 1 != 0, clientData: data))
        }
        for f in result where ![1, 2, 3].contains(f.id) {
            let names = [4: "szip", 32000: "lzf", 32001: "blosc", 32004: "lz4", 32015: "zstd"]
            throw fail(object, o, "filter \(names[f.id].map { "'\($0)' " } ?? "")(id \(f.id)) is not supported "
                       + "(only deflate/gzip, shuffle and fletcher32)")
        }
        return result
    }

    // MARK: Datasets

    mutating func dataset(_ messages: [Message], path: String, address: Int) throws -> HDF5Dataset {
        guard let typeMessage = messages.first(where: { $0.type == 0x03 }),
              let spaceMessage = messages.first(where: { $0.type == 0x01 }),
              let layoutMessage = messages.first(where: { $0.type == 0x08 }) else {
            throw fail(path, address, "neither a group nor a dataset (datatype, dataspace or layout message missing)")
        }
        let (type, _) = try datatype(typeMessage.data.lowerBound, typeMessage.data.upperBound, path)
        guard let shape = try dataspace(spaceMessage.data.lowerBound, path) else {
            throw fail(path, spaceMessage.data.lowerBound, "null dataspaces are not supported")
        }
        let layout = try self.layout(layoutMessage, rank: shape.count, path)
        let pipeline = try messages.first(where: { $0.type == 0x0B }).map { try filters($0, path) } ?? []
        let elementSize = type.size(offsetSize: offsetSize)
        let count = shape.reduce(1, *)
        let (total, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow, total <= decodedByteLimit - bytesDecoded else {
            throw fail(path, layoutMessage.data.lowerBound, "the dataset's \(shape) elements exceed what this file can hold")
        }
        bytesDecoded += total
        let raw: [UInt8]
        switch layout {
        case .compact(let r):
            guard r.count >= total else { throw fail(path, r.lowerBound, "compact data holds \(r.count) bytes, need \(total)") }
            raw = Array(bytes[r.lowerBound..<(r.lowerBound + total)])
        case .contiguous(let addr, _):
            if let addr {
                raw = Array(bytes[try range(addr, total, path, "contiguous data")])
            } else {
                raw = [UInt8](repeating: 0, count: total)  // never written: the fill value (zero)
            }
        case .chunked(let btree, let chunk):
            raw = try chunkedData(btree: btree, chunk: chunk, shape: shape, elementSize: elementSize, filters: pipeline, path)
        }
        let values = try decode(raw, type, count: count, path, address)
        return HDF5Dataset(shape: shape, values: values, attributes: try attributes(messages, path))
    }

    /// Assembles a chunked dataset from the chunks its B-tree lists (missing chunks stay zero).
    mutating func chunkedData(btree: Int?, chunk: [Int], shape: [Int], elementSize: Int, filters: [Filter],
                              _ object: String) throws -> [UInt8] {
        let total = shape.reduce(1, *) * elementSize
        var out = [UInt8](repeating: 0, count: total)
        guard let btree, total > 0 else { return out }
        let (chunkElements, o1) = chunk.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        let (chunkBytes, o2) = chunkElements.multipliedReportingOverflow(by: elementSize)
        guard !o1, !o2, chunkBytes <= decodedByteLimit else { throw fail(object, btree, "chunks of \(chunk) elements are too large") }
        let rank = shape.count
        // Chunks larger than the dataset (extendible datasets) would make each chunk's buffer
        // unrelated to the data's size; h5py writes none for fixed-size arrays.
        for d in 0..<rank where chunk[d] > shape[d] {
            throw fail(object, btree, "chunk dimension \(chunk[d]) exceeds the dataset's \(shape[d]) (extendible datasets are not supported)")
        }
        var origins = Set<[Int]>()
        var visited = Set<Int>()
        var pending: [(Int, Int?)] = [(btree, nil)]
        while let (node, expectedLevel) = pending.popLast() {
            let (level, entries) = try bTreeNode(node, type: 1, expectedLevel: expectedLevel, visited: &visited,
                                                 kind: "chunk", object)
            let keySize = 8 + 8 * (rank + 1)
            let first = node + 8 + 2 * offsetSize
            _ = try range(first, entries * (keySize + offsetSize) + keySize, object, "chunk B-tree keys and children")
            for k in 0..<entries {
                let key = first + k * (keySize + offsetSize)
                let child = try requiredAddress(key + keySize, object, "chunk address")
                if level > 0 { pending.append((child, level - 1)); continue }
                let storedSize = try u32(key, object, "chunk size")
                let mask = try u32(key + 4, object, "chunk filter mask")
                var origin: [Int] = []
                for d in 0..<rank {
                    let v = try unsigned(key + 8 + 8 * d, 8, object, "chunk offset")
                    guard v < UInt64(shape[d]), Int(v) % chunk[d] == 0 else {
                        throw fail(object, key + 8 + 8 * d, "chunk offset \(v) in dimension \(d) does not fit \(shape) in chunks of \(chunk)")
                    }
                    origin.append(Int(v))
                }
                guard origins.insert(origin).inserted else {
                    throw fail(object, key, "two chunks claim the offset \(origin)")
                }
                let stored = Array(bytes[try range(child, storedSize, object, "chunk data")])
                let data = try unfilter(stored, filters, mask: mask, expected: chunkBytes, elementSize: elementSize, object, child)
                copyChunk(data, origin: origin, chunk: chunk, shape: shape, elementSize: elementSize, into: &out)
            }
        }
        return out
    }

    /// Undoes the filter pipeline (last filter first), skipping the filters `mask` marks as not applied.
    func unfilter(_ input: [UInt8], _ filters: [Filter], mask: Int, expected: Int, elementSize: Int,
                  _ object: String, _ offset: Int) throws -> [UInt8] {
        var data = input
        for (k, f) in filters.enumerated().reversed() where mask & (1 << k) == 0 {
            switch f.id {
            case 1:
                data = try HDF5Deflate.decompress(data, expectedSize: expected) {
                    fail(object, offset, "a deflate-compressed chunk is damaged (\($0))")
                }
            case 2:
                let size = f.clientData.first ?? elementSize
                guard size >= 1 else { throw fail(object, offset, "shuffle filter element size 0") }
                data = HDF5Shuffle.unshuffle(data, elementSize: size)
            case 3:
                guard data.count >= 4 else { throw fail(object, offset, "a Fletcher-32 chunk is shorter than its checksum") }
                data.removeLast(4)
            default:
                break
            }
        }
        guard data.count == expected else {
            throw fail(object, offset, "a chunk decodes to \(data.count) bytes, expected \(expected)")
        }
        return data
    }

    /// Copies the part of one chunk that lies inside the dataset into the row-major output.
    func copyChunk(_ data: [UInt8], origin: [Int], chunk: [Int], shape: [Int], elementSize: Int, into out: inout [UInt8]) {
        let rank = shape.count
        if rank == 0 { for i in 0..<min(data.count, out.count) { out[i] = data[i] }; return }
        // Iterate over the chunk's rows (all but the last dimension); copy the valid part of each row.
        let rowLength = min(chunk[rank - 1], shape[rank - 1] - origin[rank - 1])
        var index = [Int](repeating: 0, count: rank - 1)
        outer: while true {
            var inside = true
            var source = 0, target = 0
            for d in 0..<(rank - 1) {
                if origin[d] + index[d] >= shape[d] { inside = false }
                source = source * chunk[d] + index[d]
                target = target * shape[d] + origin[d] + index[d]
            }
            if inside {
                source = source * chunk[rank - 1]
                target = target * shape[rank - 1] + origin[rank - 1]
                let s = source * elementSize, t = target * elementSize, n = rowLength * elementSize
                out.replaceSubrange(t..<(t + n), with: data[s..<(s + n)])
            }
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                if index[d] < chunk[d] { continue outer }
                index[d] = 0
                d -= 1
            }
            break
        }
    }

    /// Converts raw elements to values.
    mutating func decode(_ raw: [UInt8], _ type: Datatype, count: Int, _ object: String, _ offset: Int) throws -> HDF5Values {
        func word(_ i: Int, _ size: Int, _ bigEndian: Bool) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(raw[i * size + (bigEndian ? size - 1 - k : k)]) << (8 * UInt64(k)) }
            return v
        }
        switch type {
        case .integer(let size, let signed, let bigEndian):
            var values = [Int64](); values.reserveCapacity(count)
            for i in 0..<count {
                let v = word(i, size, bigEndian)
                if signed {
                    let shift = UInt64(64 - 8 * size)
                    values.append(Int64(bitPattern: v << shift) >> Int64(shift))
                } else {
                    guard v <= UInt64(Int64.max) else { throw fail(object, offset, "unsigned value \(v) does not fit a 64-bit integer") }
                    values.append(Int64(v))
                }
            }
            return .integers(values)
        case .float(let size, let bigEndian):
            if size == 4 { return .float32((0..<count).map { Float(bitPattern: UInt32(word($0, 4, bigEndian))) }) }
            return .float64((0..<count).map { Double(bitPattern: word($0, 8, bigEndian)) })
        case .fixedString(let size, let spacePadded):
            return .strings(try (0..<count).map { i in
                var field = raw[(i * size)..<((i + 1) * size)]
                if let end = field.firstIndex(of: 0) { field = field[field.startIndex..<end] }
                if spacePadded { while field.last == 0x20 { field = field.dropLast() } }
                guard let s = String(bytes: field, encoding: .utf8) else { throw fail(object, offset, "a string is not valid UTF-8") }
                return s
            })
        case .variableString:
            let size = type.size(offsetSize: offsetSize)
            var strings: [String] = []
            for i in 0..<count {
                let base = i * size
                var length = 0
                for k in 0..<4 { length |= Int(raw[base + k]) << (8 * k) }
                var address: UInt64 = 0
                for k in 0..<offsetSize { address |= UInt64(raw[base + 4 + k]) << (8 * UInt64(k)) }
                var index: UInt32 = 0
                for k in 0..<4 { index |= UInt32(raw[base + 4 + offsetSize + k]) << (8 * UInt32(k)) }
                if length == 0 || address == 0 { strings.append(""); continue }
                guard address != undefinedAddress, address <= UInt64(bytes.count - baseAddress) else {
                    throw fail(object, offset, "a variable-length string points at global heap address \(address), outside the file")
                }
                // Many elements may point at one large heap object: count what they add up to.
                bytesDecoded += length
                guard bytesDecoded <= decodedByteLimit else {
                    throw fail(object, offset, "the variable-length strings add up to more than this file can hold")
                }
                let heapObject = try globalHeapObject(baseAddress + Int(address), index: index, object)
                guard length <= heapObject.count else {
                    throw fail(object, heapObject.lowerBound,
                               "a variable-length string of \(length) bytes is longer than its \(heapObject.count)-byte heap object")
                }
                guard let s = String(bytes: bytes[heapObject.lowerBound..<(heapObject.lowerBound + length)], encoding: .utf8) else {
                    throw fail(object, heapObject.lowerBound, "a variable-length string is not valid UTF-8")
                }
                strings.append(s)
            }
            return .strings(strings)
        }
    }

    /// The bytes of object `index` in the global heap collection at `address` (collections are parsed once).
    mutating func globalHeapObject(_ address: Int, index: UInt32, _ object: String) throws -> Range<Int> {
        if globalHeaps[address] == nil {
            try signature(address, "GCOL", object, "global heap collection")
            let version = try u8(address + 4, object, "global heap version")
            guard version == 1 else { throw fail(object, address + 4, "global heap version \(version) is not supported") }
            let size = try length(address + 8, object, "global heap collection size")
            let collection = try range(address, size, object, "global heap collection")
            var objects: [UInt32: Range<Int>] = [:]
            var p = address + 8 + lengthSize
            while p + 8 + lengthSize <= collection.upperBound {
                let id = try u16(p, object, "global heap object index")
                if id == 0 { break }  // free space: the rest of the collection
                let objectSize = try length(p + 8, object, "global heap object size")
                let data = p + 8 + lengthSize
                guard objectSize <= collection.upperBound - data else {
                    throw fail(object, p, "global heap object \(id) of \(objectSize) bytes runs past its collection")
                }
                objects[UInt32(id)] = data..<(data + objectSize)
                p = data + (objectSize + 7) / 8 * 8
            }
            globalHeaps[address] = objects
        }
        guard let range = globalHeaps[address]?[index] else {
            throw fail(object, address, "global heap collection has no object \(index)")
        }
        return range
    }

    // MARK: Attributes

    /// The attributes among an object's header messages.
    mutating func attributes(_ messages: [Message], _ object: String) throws -> [String: HDF5Dataset] {
        var result: [String: HDF5Dataset] = [:]
        for m in messages where m.type == 0x0C {
            let o = m.data.lowerBound
            let version = try u8(o, object, "attribute version")
            guard (1...3).contains(version) else { throw fail(object, o, "attribute message version \(version) is not supported") }
            let flags = try u8(o + 1, object, "attribute flags")
            guard flags & 0x03 == 0 else { throw fail(object, o + 1, "shared attribute datatypes or dataspaces are not supported") }
            let nameSize = try u16(o + 2, object, "attribute name size")
            let typeSize = try u16(o + 4, object, "attribute datatype size")
            let spaceSize = try u16(o + 6, object, "attribute dataspace size")
            func padded(_ n: Int) -> Int { version == 1 ? (n + 7) / 8 * 8 : n }
            var p = o + (version == 3 ? 9 : 8)
            let nameRange = try range(p, nameSize, object, "attribute name")
            var nameBytes = bytes[nameRange]
            if let end = nameBytes.firstIndex(of: 0) { nameBytes = nameBytes[nameBytes.startIndex..<end] }
            guard let name = String(bytes: nameBytes, encoding: .utf8) else { throw fail(object, p, "an attribute name is not valid UTF-8") }
            let label = object + "@" + name
            p += padded(nameSize)
            let (type, _) = try datatype(p, p + typeSize, label)
            p += padded(typeSize)
            guard let shape = try dataspace(p, label) else { continue }
            p += padded(spaceSize)
            let count = shape.reduce(1, *)
            let (total, overflow) = count.multipliedReportingOverflow(by: type.size(offsetSize: offsetSize))
            guard !overflow, total <= m.data.upperBound - min(p, m.data.upperBound) else {
                throw fail(label, p, "the attribute's \(shape) elements run past its message")
            }
            let values = try decode(Array(bytes[p..<(p + total)]), type, count: count, label, p)
            result[name] = HDF5Dataset(shape: shape, values: values)
        }
        return result
    }
}
