/// A resumable upload in progress: enough to continue it from another process.
public struct ResumableSession: Codable, Hashable, Sendable {
    /// The session URI Drive returned in `Location`.
    public var uri: String
    /// Bytes Drive has confirmed (`Range: bytes=0-N` means N + 1).
    public var confirmedOffset: Int64
    /// Size and modification time of the source when the session began: a changed source starts over.
    public var size: Int64
    public var sourceModified: Int64

    public init(uri: String, confirmedOffset: Int64, size: Int64, sourceModified: Int64) {
        self.uri = uri
        self.confirmedOffset = confirmedOffset
        self.size = size
        self.sourceModified = sourceModified
    }
}

/// Where resumable sessions are kept between processes. The sync engine stores them in its SQLite
/// state; tests use `InMemorySessionStore`.
public protocol ResumableSessionStore: Sendable {
    func session(for key: String) async throws -> ResumableSession?
    func save(_ session: ResumableSession, for key: String) async throws
    func removeSession(for key: String) async throws
}

/// Sessions kept in memory.
public actor InMemorySessionStore: ResumableSessionStore {
    private var sessions: [String: ResumableSession] = [:]

    public init() {}

    public func session(for key: String) -> ResumableSession? { sessions[key] }
    public func save(_ session: ResumableSession, for key: String) { sessions[key] = session }
    public func removeSession(for key: String) { sessions[key] = nil }
}

/// How to upload.
public struct UploadOptions: Sendable {
    public var fields: Fields
    public var keepRevisionForever: Bool
    /// Where to persist the resumable session, and under which key (for example the local path).
    public var sessionStore: (any ResumableSessionStore)?
    public var sessionKey: String?
    /// The content type; Drive guesses from the name when `nil`.
    public var contentType: String?

    public init(
        fields: Fields = .syncFile,
        keepRevisionForever: Bool = false,
        sessionStore: (any ResumableSessionStore)? = nil,
        sessionKey: String? = nil,
        contentType: String? = nil
    ) {
        self.fields = fields
        self.keepRevisionForever = keepRevisionForever
        self.sessionStore = sessionStore
        self.sessionKey = sessionKey
        self.contentType = contentType
    }
}
