/// What a `Range` header asks of a representation of `size` bytes (RFC 9110 §14.2): pure, so each edge
/// is unit-tested.
enum ByteRange: Equatable {
    /// No range, or one to ignore (another unit, a malformed or backwards range): the whole content.
    case whole
    /// One satisfiable range, clipped to the size.
    case partial(Range<Int64>)
    /// A range starting past the end, or an empty suffix: 416.
    case unsatisfiable
    /// More than one range: refused (416) rather than answered with a multipart body.
    case several

    init(header: String?, size: Int64) {
        guard let header, header.hasPrefix("bytes=") else {
            self = .whole
            return
        }
        let specs = header.dropFirst("bytes=".count).split(separator: ",", omittingEmptySubsequences: false)
        guard specs.count == 1, let spec = specs.first?.trimmed else {
            self = specs.count > 1 ? .several : .whole
            return
        }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else {
            self = .whole
            return
        }
        switch (Int64(parts[0]), Int64(parts[1])) {
        case (nil, let suffix?):
            guard suffix > 0, size > 0 else {
                self = .unsatisfiable
                return
            }
            self = .partial(max(0, size - suffix)..<size)
        case (let first?, let last):
            if let last, last < first {
                self = .whole
            } else if first >= size {
                self = .unsatisfiable
            } else {
                self = .partial(first..<min(size, (last ?? Int64.max - 1) + 1))
            }
        case (nil, nil):
            self = .whole
        }
    }
}

extension Substring {
    fileprivate var trimmed: Substring {
        let start = firstIndex { $0 != " " } ?? endIndex
        let end = lastIndex { $0 != " " }.map(index(after:)) ?? start
        return self[start..<Swift.max(start, end)]
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
