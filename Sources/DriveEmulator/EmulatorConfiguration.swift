/// How a `DriveEmulator` is set up.
///
/// ```swift
/// let emulator = try DriveEmulator(configuration: .init(users: [.init(email: "me@example.com", token: "t")]))
/// let app = buildEmulatorApplication(emulator: emulator)
/// ```
public struct EmulatorConfiguration: Sendable {
    /// Where metadata and content live.
    public enum Storage: Sendable {
        /// SQLite metadata and content files in a folder; survives restarts.
        case directory(String)
        /// In-memory SQLite and a temporary content folder removed at shutdown.
        case inMemory
    }

    /// A user created at start-up, who can use `token` as a non-expiring access token.
    public struct User: Sendable {
        public var email: String
        public var token: String?
        /// Storage quota in bytes; `nil` is unlimited.
        public var storageLimit: Int64?

        public init(email: String, token: String? = nil, storageLimit: Int64? = nil) {
            self.email = email
            self.token = token
            self.storageLimit = storageLimit
        }
    }

    /// Drive's usage limits. Each is off when `nil`.
    public struct Limits: Sendable, Codable, Equatable {
        /// Requests per user per rolling minute (Drive: 12,000). Exceeding answers 429 `rateLimitExceeded`.
        public var queriesPerMinute: Int?
        /// Sustained writes per user per second (Drive: about 3). Exceeding answers 403 `userRateLimitExceeded`.
        public var writesPerSecond: Double?
        /// Writes allowed in a burst above the sustained rate.
        public var writeBurst: Int
        /// Upload bytes per user per rolling 24 hours (Drive: 750 GB). Exceeding answers 403
        /// `userRateLimitExceeded` with "User rate limit exceeded."
        public var dailyUploadBytes: Int64?

        public init(
            queriesPerMinute: Int? = nil,
            writesPerSecond: Double? = nil,
            writeBurst: Int = 10,
            dailyUploadBytes: Int64? = nil
        ) {
            self.queriesPerMinute = queriesPerMinute
            self.writesPerSecond = writesPerSecond
            self.writeBurst = writeBurst
            self.dailyUploadBytes = dailyUploadBytes
        }

        /// No limits: the default, for the embedded drive and most tests.
        public static let none = Limits()
        /// Google Drive's published limits.
        public static let drive = Limits(
            queriesPerMinute: 12_000,
            writesPerSecond: 3,
            writeBurst: 10,
            dailyUploadBytes: 750_000_000_000
        )
    }

    public var storage: Storage
    public var users: [User]
    public var limits: Limits
    /// Treat requests without credentials as the first user (Python's `AnonymousCredentials`).
    public var allowAnonymous: Bool
    /// Lifetime of access tokens issued by the OAuth endpoints, in seconds.
    public var accessTokenLifetime: Int
    public var clock: EmulatorClock

    public init(
        storage: Storage = .inMemory,
        users: [User] = [],
        limits: Limits = .none,
        allowAnonymous: Bool = false,
        accessTokenLifetime: Int = 3599,
        clock: EmulatorClock = .system
    ) {
        self.storage = storage
        self.users = users
        self.limits = limits
        self.allowAnonymous = allowAnonymous
        self.accessTokenLifetime = accessTokenLifetime
        self.clock = clock
    }
}
