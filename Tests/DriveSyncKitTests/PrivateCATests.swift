import DriveAPI
import DriveEmulator
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// `ca_certificate`: an endpoint whose certificate a private CA signed is reached only when the account
/// trusts that CA, as rclone's `--ca-cert` does.
struct PrivateCATests {
    @Test func anAccountTrustsItsOwnCertificateAuthority() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (certificate, key) = try makeSelfSignedCertificate(in: folder)
        let emulator = try DriveEmulator(configuration: .init(users: [.init(email: "ca@example.com", token: "ca")]))
        let app = try buildEmulatorApplication(emulator: emulator, tls: (certificate, key))
        try await app.test(.live) { client in
            let endpoint = "https://127.0.0.1:\(try #require(client.port))"
            func about(trusting caCertificate: String?) async throws -> String? {
                var configuration = Configuration()
                try configuration.apply(
                    """
                    [account work]
                    endpoint = \(endpoint)
                    access_token = ca
                    \(caCertificate.map { "ca_certificate = \($0)" } ?? "")
                    """,
                    from: "test.ini"
                )
                let driveSync = DriveSync(configuration: configuration, home: folder + "/home")
                return try await driveSync.withDrive(account: "work") { try await $0.client.about().user?.emailAddress }
            }

            #expect(try await about(trusting: certificate) == "ca@example.com")
            // The system's authorities do not know the private CA; asking again cannot change that.
            let refused = await #expect(throws: DriveAPIError.self) { _ = try await about(trusting: nil) }
            #expect(refused?.code == .untrustedServer)
            try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: folder + "/bad.pem"))
            let unreadable = await #expect(throws: DriveSyncError.self) {
                _ = try await about(trusting: folder + "/bad.pem")
            }
            #expect(unreadable?.code == .invalidArgument)
            #expect("\(unreadable!)".contains("bad.pem"))
        }
    }
}
