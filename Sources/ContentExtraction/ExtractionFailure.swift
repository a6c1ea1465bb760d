/// Why a file's text could not be had, recorded with the file so it is not tried again until its content
/// changes.
public struct ExtractionFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        /// No extractor reads this type.
        public static let unsupported = Reason(name: "unsupported")
        /// More text, bytes, entries or expansion than the limits allow.
        public static let tooLarge = Reason(name: "too_large")
        public static let encrypted = Reason(name: "encrypted")
        /// Not what its type says: truncated, malformed.
        public static let corrupt = Reason(name: "corrupt")
        public static let timeout = Reason(name: "timeout")
    }

    public var reason: Reason
    public var detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason): \(detail)" }
}

/// How far one extraction may go.
public struct ExtractionLimits: Sendable, Hashable {
    /// Text kept at most, in UTF-8 bytes.
    public var textBytes = 10 << 20
    /// Bytes read from the file at most (a text format reads what it keeps; a container reads its parts).
    public var inputBytes: Int64 = 1 << 30

    public init() {}
}
