import AsyncHTTPClient
import DriveEmulator
import DriveSyncTestSupport
import Foundation
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

struct TLSTests {
    @Test func servesHTTPSWithTheGivenCertificate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try makeSelfSignedCertificate(in: directory.path)
        let emulator = try DriveEmulator(configuration: .init(users: [.init(email: "tls@example.com", token: "tls")]))
        let app = try buildEmulatorApplication(emulator: emulator, tls: (certificate, key))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
            do {
                var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/drive/v3/about?fields=user")
                request.headers.add(name: "Authorization", value: "Bearer tls")
                let response = try await http.execute(request, timeout: .seconds(30))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                #expect(response.status.code == 200)
                #expect(body.contains("tls@example.com"))
                // Links handed out use the scheme the client used.
                var upload = HTTPClientRequest(
                    url: "https://127.0.0.1:\(port)/upload/drive/v3/files?uploadType=resumable"
                )
                upload.method = .POST
                upload.headers.add(name: "Authorization", value: "Bearer tls")
                let initiated = try await http.execute(upload, timeout: .seconds(30))
                #expect(initiated.headers.first(name: "Location")?.hasPrefix("https://127.0.0.1:\(port)/") == true)
            } catch {
                try await http.shutdown()
                throw error
            }
            try await http.shutdown()
        }
    }
}
