import DriveService
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationCompat

/// The service over an emulator account, in-process, with one API key: what every route test starts from.
struct ServiceHarness: Sendable {
    let client: any TestClientProtocol
    let connections: DriveConnections
    let key: String
    let emulator: RunningEmulator
    let home: String

    var auditLines: [String] {
        ((try? String(contentsOfFile: home + "/logs/audit.jsonl", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// Sends a request with the harness's key (unless `headers` has `Authorization`); returns the answer.
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        headers: HTTPFields = [:],
        body: ByteBuffer? = nil,
        authorized: Bool = true
    ) async throws -> TestResponse {
        var headers = headers
        if authorized, headers[.authorization] == nil { headers[.authorization] = "Bearer \(key)" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body)
    }

    /// A JSON answer decoded.
    func json<Value: Decodable>(_ type: Value.Type, _ response: TestResponse) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(buffer: response.body))
    }

    /// Uploads `text` to `path`.
    func upload(_ text: String, to path: String, query: String = "") async throws -> TestResponse {
        let body = ByteBuffer(string: text)
        return try await send(
            .post,
            "/drive/files?path=\(path)\(query)",
            headers: [.contentLength: String(body.readableBytes), .contentType: "text/plain"],
            body: body
        )
    }

    static func run(
        test: TestingSetup = .router,
        extraConfiguration: @escaping @Sendable (_ endpoint: String) -> String = { _ in "" },
        _ body: @escaping @Sendable (ServiceHarness) async throws -> Void
    ) async throws {
        try await withRunningEmulator { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("service-\(UUID().uuidString)")
                .path
            defer { try? FileManager.default.removeItem(atPath: home) }
            var configuration = Configuration()
            try configuration.apply(
                """
                [account emu]
                endpoint = \(emulator.baseURL)
                access_token = \(emulator.token)
                pacing = none
                default = true
                \(extraConfiguration(emulator.baseURL))
                """,
                from: "test"
            )
            let driveSync = DriveSync(configuration: configuration, home: home)
            var logger = Logger(label: "drivesync.service.test")
            logger.logLevel = .warning
            try await driveSync.withConnections { [logger] connections in
                var settings = Configuration.Service()
                settings.port = 0
                let jobs = try await connections.driveSync.openJobs(workers: 2)
                let key = try await jobs.apiKeys.create("tests")
                let application = try buildServiceApplication(
                    connections: connections,
                    jobs: jobs,
                    settings: settings,
                    logger: logger
                )
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await jobs.workers?.run() }
                        try await application.test(test) { client in
                            try await body(
                                ServiceHarness(
                                    client: client,
                                    connections: connections,
                                    key: key,
                                    emulator: emulator,
                                    home: home
                                )
                            )
                        }
                        group.cancelAll()
                    }
                } catch {
                    await jobs.close()
                    throw error
                }
                await jobs.close()
            }
        }
    }
}

/// An item as the service answers it.
struct Item: Decodable, Equatable {
    var id: String
    var name: String
    var kind: String
    var size: Int64?
    var md5: String?
    var parents: [String]
    var path: String?
}

struct Page: Decodable {
    var items: [Item]
    var next_page_token: String?
}

struct ErrorBody: Decodable {
    struct Detail: Decodable {
        var code: Int
        var message: String
        var reason: String
    }
    var error: Detail
}
