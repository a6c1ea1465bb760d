import AsyncHTTPClient
public import DriveEmulator
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
public import NIOCore
public import NIOHTTP1

/// An emulator served on a free loopback port for the length of a test.
public struct RunningEmulator: Sendable {
    public let emulator: DriveEmulator
    public let baseURL: String
    /// The token of the first configured user.
    public let token: String

    /// A minimal HTTP exchange against the emulator.
    public struct Reply: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: ByteBuffer

        public var text: String { String(buffer: body) }
        public func header(_ name: String) -> String? { headers.first(name: name) }
    }

    /// A client that never follows redirects, so tests see 302 and 308 answers as they are.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow)
    )

    /// Sends one request with the default user's token unless `headers` sets `Authorization`.
    public func send(
        _ method: HTTPMethod,
        _ pathAndQuery: String,
        headers: [(String, String)] = [],
        body: ByteBuffer? = nil,
        authorized: Bool = true
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: pathAndQuery.hasPrefix("http") ? pathAndQuery : baseURL + pathAndQuery)
        request.method = method
        if authorized, !headers.contains(where: { $0.0.lowercased() == "authorization" }) {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await Self.client.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 256 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: collected)
    }
}

/// Runs `body` with an emulator listening on 127.0.0.1 and a free port.
///
/// With no users configured, one user `tester@example.com` with token `test-token` is created.
public func withRunningEmulator<Result: Sendable>(
    configuration: EmulatorConfiguration = EmulatorConfiguration(),
    emulator existing: DriveEmulator? = nil,
    _ body: @escaping @Sendable (RunningEmulator) async throws -> Result
) async throws -> Result {
    var configuration = configuration
    if configuration.users.isEmpty { configuration.users = [.init(email: "tester@example.com", token: "test-token")] }
    var logger = Logger(label: "drivesync.emulator.test")
    logger.logLevel = .warning
    let emulator = try existing ?? DriveEmulator(configuration: configuration, logger: logger)
    let token = configuration.users.first?.token ?? "test-token"
    let app = try buildEmulatorApplication(emulator: emulator)
    return try await app.test(.live) { client in
        let port = client.port ?? 0
        return try await body(RunningEmulator(emulator: emulator, baseURL: "http://127.0.0.1:\(port)", token: token))
    }
}
