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
    /// Text kept at most, in UTF-8 bytes; past it the text is cut (and marked so), not refused.
    public var textBytes = 10 << 20
    /// Markup read at most for formats parsed whole (HTML, JSON, RTF): past it the file is `too_large`.
    public var markupBytes = 64 << 20
    /// Entries an archive may list.
    public var archiveEntries = 10_000
    /// How many times an entry may expand (deflate reaches about 1,000; documents stay under 100).
    public var compressionRatio = 200
    /// Bytes all the entries read from one archive may expand to.
    public var expandedBytes: Int64 = 1 << 30
    /// Elements (or RTF groups) open at once.
    public var nesting = 512
    /// Wall-clock time for one file, processors included.
    public var time: Duration = .seconds(60)

    public init() {}
}
