public import NIOCore

/// An incremental `multipart/*` parser: bytes go in as they arrive, parts come out, and a part's body is
/// streamed rather than held. Accepts LF or CRLF line endings, as real clients send both.
public struct MultipartParser: Sendable {
    public enum Event: Equatable, Sendable {
        case headers([String: String])
        case body(ByteBuffer)
        case partEnd
        case end
    }

    public struct MalformedBody: Error {}

    private enum State {
        case preamble
        case headers
        case body
        case epilogue
    }

    private let delimiter: [UInt8]
    private var pending: [UInt8] = Array("\n".utf8)
    private var state = State.preamble

    public init(boundary: String) {
        delimiter = Array("\n--\(boundary)".utf8)
    }

    /// The boundary of a `multipart/...; boundary=X` content type (quoted or bare).
    public static func boundary(fromContentType contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingSpaces
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    public mutating func feed(_ buffer: ByteBuffer) throws -> [Event] {
        pending.append(contentsOf: buffer.readableBytesView)
        return try drain(atEnd: false)
    }

    /// Call at the end of the input; throws if the closing boundary never came.
    public mutating func finish() throws -> [Event] {
        let events = try drain(atEnd: true)
        guard state == .epilogue else { throw MalformedBody() }
        return events
    }

    private mutating func drain(atEnd: Bool) throws -> [Event] {
        var events: [Event] = []
        loop: while true {
            switch state {
            case .epilogue:
                pending.removeAll()
                break loop
            case .preamble, .body:
                guard let index = Self.find(delimiter, in: pending) else {
                    // Keep enough bytes to recognise a delimiter split across buffers.
                    let keep = delimiter.count + 1
                    if pending.count > keep {
                        let emitCount = pending.count - keep
                        if state == .body { events.append(.body(ByteBuffer(bytes: pending[0..<emitCount]))) }
                        pending.removeSubrange(0..<emitCount)
                    }
                    if atEnd { throw MalformedBody() }
                    break loop
                }
                if state == .body {
                    var end = index
                    if end > 0, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    if end > 0 { events.append(.body(ByteBuffer(bytes: pending[0..<end]))) }
                    pending.removeSubrange(0..<index)
                }
                let after = (state == .body ? 0 : index) + delimiter.count
                // Two more bytes tell the closing `--` from a line break; wait for them.
                guard pending.count >= after + 2 else {
                    if atEnd { throw MalformedBody() }
                    break loop
                }
                if state == .body { events.append(.partEnd) }
                if pending[after] == UInt8(ascii: "-"), pending[after + 1] == UInt8(ascii: "-") {
                    state = .epilogue
                    events.append(.end)
                    continue
                }
                guard let lineEnd = pending[after...].firstIndex(of: UInt8(ascii: "\n")) else {
                    if atEnd { throw MalformedBody() }
                    state = .preamble
                    break loop
                }
                pending.removeSubrange(0...lineEnd)
                state = .headers
            case .headers:
                guard let (headerEnd, bodyStart) = Self.blankLine(in: pending) else {
                    if atEnd { throw MalformedBody() }
                    break loop
                }
                var headers: [String: String] = [:]
                let text = String(decoding: pending[0..<headerEnd], as: UTF8.self)
                for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
                    let trimmed = line.hasSuffix("\r") ? line.dropLast() : line[...]
                    guard let colon = trimmed.firstIndex(of: ":") else { continue }
                    headers[trimmed[..<colon].trimmingSpaces.lowercased()] =
                        trimmed[trimmed.index(after: colon)...].trimmingSpaces
                }
                events.append(.headers(headers))
                pending.removeSubrange(0..<bodyStart)
                state = .body
            }
        }
        return events
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count, let first = needle.first else { return nil }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// The end of the header block (LF LF or CRLF CRLF) and where the body begins.
    private static func blankLine(in bytes: [UInt8]) -> (Int, Int)? {
        var index = 0
        if bytes.first == UInt8(ascii: "\n") { return (0, 1) }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "\r"), bytes[1] == UInt8(ascii: "\n") { return (0, 2) }
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                if bytes[index + 1] == UInt8(ascii: "\n") { return (index, index + 2) }
                if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\r"),
                    bytes[index + 2] == UInt8(ascii: "\n")
                {
                    return (index, index + 3)
                }
            }
            index += 1
        }
        return nil
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    package var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(String.UnicodeScalarView(scalars[start...end]))
    }
}
