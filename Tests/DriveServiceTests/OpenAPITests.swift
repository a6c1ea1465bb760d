import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOFoundationCompat
import Testing

@testable import DriveService

/// `/openapi.json` describes exactly the routes the router has: none missing, none made up.
struct OpenAPITests {
    @Test func theDocumentDescribesEveryRouteAndNoOther() async throws {
        let document = try JSONSerialization.jsonObject(with: try OpenAPIDocument.load()) as? [String: Any]
        #expect(document?["openapi"] as? String == "3.1.0")
        let paths = try #require(document?["paths"] as? [String: [String: Any]])
        let methods = ["get", "post", "patch", "delete", "head", "put"]
        let described = Set(
            paths.flatMap { path, operations in
                operations.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
            }
        )
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        // No account: the embedded local drive is served while the router is built.
        try await DriveSync(home: home).withConnections { connections in
            let jobs = try await connections.driveSync.openJobs()
            defer { Task { await jobs.close() } }
            let router = try buildServiceRouter(
                connections: connections,
                jobs: jobs,
                settings: Configuration.Service(),
                logger: Logger(label: "test"),
                boundPort: BoundPort(0)
            )
            let routed = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
            #expect(
                routed.subtracting(described).isEmpty,
                "routes the document misses: \(routed.subtracting(described))"
            )
            #expect(described.subtracting(routed).isEmpty, "described but not routed: \(described.subtracting(routed))")
        }
    }

    @Test func theServiceAnswersWithTheDocument() async throws {
        try await ServiceHarness.run { service in
            let answer = try await service.send(.get, "/openapi.json")
            #expect(answer.status == .ok)
            let document = try JSONSerialization.jsonObject(with: Data(buffer: answer.body)) as? [String: Any]
            #expect((document?["info"] as? [String: Any])?["title"] as? String == "DriveSync service")
            #expect(try await service.send(.get, "/openapi.json", authorized: false).status == .unauthorized)
        }
    }
}
