import DriveEmulator
import Hummingbird

/// DriveSync's Drive v3 emulator served on its own (`drivesync emulator`): its users, storage and
/// limits, and the base URL it answers on.
public struct EmulatorServer: Sendable {
    /// A user and the fixed access token that signs in as them.
    public struct Account: Sendable, Hashable {
        public var email: String
        public var token: String

        public init(email: String, token: String) {
            self.email = email
            self.token = token
        }

        /// `me@drivesync.local` with a random token: what serves when no user is named.
        public static func generated() -> Account {
            var generator = SystemRandomNumberGenerator()
            let letters = "abcdefghijklmnopqrstuvwxyz0123456789"
            let suffix = String((0..<32).map { _ in letters.randomElement(using: &generator)! })
            return Account(email: "me@drivesync.local", token: "ya29.local-" + suffix)
        }
    }

    public var host: String
    public var port: Int
    /// A folder for the metadata and content, which survives restarts; `nil` keeps everything in memory.
    public var dataFolder: String?
    public var accounts: [Account]
    /// Storage quota per user, in bytes.
    public var quota: Int64?
    /// Enforce Drive's published limits (12,000 queries/min, 3 writes/s, 750 GB uploaded/day).
    public var drivesLimits: Bool
    /// Requests without credentials act as the first user.
    public var allowAnonymous: Bool
    /// PEM certificate chain and key: serve HTTPS.
    public var tls: (certificate: String, key: String)?

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        dataFolder: String? = nil,
        accounts: [Account] = [],
        quota: Int64? = nil,
        drivesLimits: Bool = false,
        allowAnonymous: Bool = false,
        tls: (certificate: String, key: String)? = nil
    ) {
        self.host = host
        self.port = port
        self.dataFolder = dataFolder
        self.accounts = accounts.isEmpty ? [.generated()] : accounts
        self.quota = quota
        self.drivesLimits = drivesLimits
        self.allowAnonymous = allowAnonymous
        self.tls = tls
    }

    var configuration: EmulatorConfiguration {
        EmulatorConfiguration(
            storage: dataFolder.map { .directory($0) } ?? .inMemory,
            users: accounts.map { EmulatorConfiguration.User(email: $0.email, token: $0.token, storageLimit: quota) },
            limits: drivesLimits ? .drive : .none,
            allowAnonymous: allowAnonymous
        )
    }

    /// Serves until cancelled or signalled; `listening` gets the base URL once the port is bound.
    public func run(logger: Logger, listening: @escaping @Sendable (_ baseURL: String) -> Void) async throws {
        let emulator = try DriveEmulator(configuration: configuration, logger: logger)
        let scheme = tls == nil ? "http" : "https"
        let shownHost = host == "0.0.0.0" ? "127.0.0.1" : host
        let app = try buildEmulatorApplication(
            emulator: emulator,
            host: host,
            port: port,
            tls: tls.map { ($0.certificate, $0.key) },
            logger: logger
        ) { boundPort in
            listening("\(scheme)://\(shownHost):\(boundPort)")
        }
        try await app.runService()
    }
}
