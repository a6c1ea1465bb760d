/// Bytes read by position: a buffer, a file, or a Drive file through `Range` requests. ZIP-based formats
/// read the central directory and the entries they need, never the whole file.
public protocol RandomAccessBytes: Sendable {
    var count: Int64 { get }
    /// The bytes in `range`, which lies inside `0..<count`.
    func read(_ range: Range<Int64>) async throws -> [UInt8]
}

/// Bytes already in memory.
public struct InMemoryBytes: RandomAccessBytes {
    public let bytes: [UInt8]
    public var count: Int64 { Int64(bytes.count) }

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public func read(_ range: Range<Int64>) async throws -> [UInt8] {
        Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)])
    }
}

/// A ZIP archive read through `RandomAccessBytes`: the end record and central directory first, then each
/// entry asked for with one read. Refuses what would take unbounded work before doing it: too many entries,
/// an entry expanding beyond the compression-ratio limit or the total-expansion limit.
struct ZipReader {
    struct Entry {
        var name: String
        var method: Int
        var flags: Int
        var compressedSize: Int64
        var size: Int64
        var headerOffset: Int64
    }

    let source: any RandomAccessBytes
    let entries: [Entry]
    let limits: ExtractionLimits
    private var expanded: Int64 = 0

    /// The largest entry read compressed into memory.
    static let entryReadLimit: Int64 = 64 << 20

    init(_ source: any RandomAccessBytes, limits: ExtractionLimits) async throws {
        self.source = source
        self.limits = limits
        let tailLength = min(source.count, 22 + 0xFFFF)
        let tail = try await source.read((source.count - tailLength)..<source.count)
        guard let end = Self.endRecord(in: tail) else {
            throw ExtractionFailure(.corrupt, "not a ZIP archive (no end of central directory)")
        }
        let count = Int(tail.littleEndian(UInt16.self, at: end + 10))
        let directorySize = Int64(tail.littleEndian(UInt32.self, at: end + 12))
        let directoryOffset = Int64(tail.littleEndian(UInt32.self, at: end + 16))
        if count == 0xFFFF || directoryOffset == 0xFFFF_FFFF {
            throw ExtractionFailure(.tooLarge, "a ZIP64 archive")
        }
        guard count <= limits.archiveEntries else {
            throw ExtractionFailure(
                .tooLarge,
                "\(count) entries in the archive (the limit is \(limits.archiveEntries))"
            )
        }
        guard directoryOffset + directorySize <= source.count else {
            throw ExtractionFailure(.corrupt, "the central directory lies outside the file")
        }
        // The directory is usually inside the tail already read.
        let tailStart = source.count - tailLength
        let directory =
            directoryOffset >= tailStart
            ? Array(tail[Int(directoryOffset - tailStart)..<Int(directoryOffset - tailStart + directorySize)])
            : try await source.read(directoryOffset..<(directoryOffset + directorySize))
        entries = try Self.entries(directory, count: count)
    }

    /// The end-of-central-directory record's offset in `tail`, searched from the end (a comment may follow it).
    private static func endRecord(in tail: [UInt8]) -> Int? {
        guard tail.count >= 22 else { return nil }
        return stride(from: tail.count - 22, through: 0, by: -1).first {
            tail.littleEndian(UInt32.self, at: $0) == 0x0605_4B50
        }
    }

    private static func entries(_ directory: [UInt8], count: Int) throws(ExtractionFailure) -> [Entry] {
        var entries: [Entry] = []
        var offset = 0
        for _ in 0..<count {
            guard offset + 46 <= directory.count, directory.littleEndian(UInt32.self, at: offset) == 0x0201_4B50
            else { throw ExtractionFailure(.corrupt, "the ZIP central directory is damaged") }
            let nameLength = Int(directory.littleEndian(UInt16.self, at: offset + 28))
            let extraLength = Int(directory.littleEndian(UInt16.self, at: offset + 30))
            let commentLength = Int(directory.littleEndian(UInt16.self, at: offset + 32))
            guard offset + 46 + nameLength <= directory.count else {
                throw ExtractionFailure(.corrupt, "the ZIP central directory is damaged")
            }
            entries.append(
                Entry(
                    name: String(decoding: directory[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self),
                    method: Int(directory.littleEndian(UInt16.self, at: offset + 10)),
                    flags: Int(directory.littleEndian(UInt16.self, at: offset + 8)),
                    compressedSize: Int64(directory.littleEndian(UInt32.self, at: offset + 20)),
                    size: Int64(directory.littleEndian(UInt32.self, at: offset + 24)),
                    headerOffset: Int64(directory.littleEndian(UInt32.self, at: offset + 42))
                )
            )
            offset += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The expanded bytes of `entry`, handed on in pieces.
    mutating func read(
        _ entry: Entry,
        _ emit: (ArraySlice<UInt8>) throws(ExtractionFailure) -> Void
    ) async throws {
        if entry.flags & 1 != 0 { throw ExtractionFailure(.encrypted, "\(entry.name) is encrypted") }
        if entry.size > 1 << 20, entry.size > entry.compressedSize * Int64(limits.compressionRatio) {
            throw ExtractionFailure(
                .tooLarge,
                "\(entry.name) expands \(entry.size / max(entry.compressedSize, 1)) times (a ZIP bomb?)"
            )
        }
        expanded += entry.size
        guard expanded <= limits.expandedBytes else {
            throw ExtractionFailure(.tooLarge, "the archive expands to more than \(limits.expandedBytes) bytes")
        }
        guard entry.compressedSize <= Self.entryReadLimit else {
            throw ExtractionFailure(.tooLarge, "\(entry.name) is larger than \(Self.entryReadLimit) bytes compressed")
        }
        // The local header's variable part is read with the data and then skipped; rarely it is longer.
        var reserve: Int64 = 30 + Int64(entry.name.utf8.count) + 256
        var bytes: [UInt8] = []
        var dataStart = 0
        while true {
            let end = min(source.count, entry.headerOffset + reserve + entry.compressedSize)
            guard entry.headerOffset + 30 <= end else { throw ExtractionFailure(.corrupt, "\(entry.name) is cut off") }
            bytes = try await source.read(entry.headerOffset..<end)
            guard bytes.littleEndian(UInt32.self, at: 0) == 0x0403_4B50 else {
                throw ExtractionFailure(.corrupt, "\(entry.name) has no local header")
            }
            dataStart =
                30 + Int(bytes.littleEndian(UInt16.self, at: 26)) + Int(bytes.littleEndian(UInt16.self, at: 28))
            if Int64(dataStart) <= reserve { break }
            reserve = Int64(dataStart)
        }
        guard dataStart + Int(entry.compressedSize) <= bytes.count else {
            throw ExtractionFailure(.corrupt, "\(entry.name) is cut off")
        }
        let data = Array(bytes[dataStart..<(dataStart + Int(entry.compressedSize))])
        switch entry.method {
        case 0:
            try emit(data[...])
        case 8:
            // An entry expanding beyond what its header says is lying; it stops there.
            try Inflate.decode(data, limit: Int(entry.size), emit: emit)
        default:
            throw ExtractionFailure(.unsupported, "\(entry.name) uses compression method \(entry.method)")
        }
    }

    /// The whole of a small entry (a manifest, shared strings).
    mutating func data(_ entry: Entry) async throws -> [UInt8] {
        var result: [UInt8] = []
        try await read(entry) { result += $0 }
        return result
    }
}

extension Array where Element == UInt8 {
    func littleEndian<Integer: FixedWidthInteger>(_: Integer.Type, at offset: Int) -> Integer {
        var value: Integer = 0
        for index in 0..<(Integer.bitWidth / 8) where offset + index < count {
            value |= Integer(self[offset + index]) << (index * 8)
        }
        return value
    }
}
