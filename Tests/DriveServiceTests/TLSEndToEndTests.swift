import AsyncHTTPClient
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// `drivesync serve --tls-cert --tls-key`: a real process answering HTTPS with the given certificate.
struct TLSEndToEndTests {
    @Test(.timeLimit(.minutes(2)))
    func servesHTTPSWithTheGivenCertificate() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("serve-tls-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (certificate, key) = try makeSelfSignedCertificate(in: folder)

        // No account: the embedded local drive is served, as on a fresh machine.
        let environment = ["DRIVESYNC_HOME": folder + "/data", "DRIVESYNC_LOG_LEVEL": "notice"]
        let keys = try DriveSyncProcess(["serve", "keys", "create", "tls"], environment: environment)
        let apiKey = try #require(await keys.remainingOutput().first { $0.hasPrefix("dsk_") })
        let serve = try DriveSyncProcess(
            ["serve", "--port", "0", "--tls-cert", certificate, "--tls-key", key],
            environment: environment
        )
        let listening = try #require(await serve.waitForLine { $0.hasPrefix("DriveSync service listening on") })
        let base = String(try #require(listening.split(separator: " ").last))
        #expect(base.hasPrefix("https://127.0.0.1:"))

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let live = try await http.execute(HTTPClientRequest(url: base + "/health/live"), timeout: .seconds(30))
            #expect(live.status == .ok)
            var listing = HTTPClientRequest(url: base + "/drive/files")
            listing.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
            let listed = try await http.execute(listing, timeout: .seconds(30))
            #expect(listed.status == .ok)
            #expect(String(buffer: try await listed.body.collect(upTo: 1 << 20)).contains(#""items""#))
        } catch {
            try await http.shutdown()
            serve.send(SIGTERM)
            throw error
        }
        try await http.shutdown()
        serve.send(SIGTERM)
        #expect(try await serve.exitStatus(within: .seconds(60)) == 0, "\(serve.output.suffix(20))")
    }
}
