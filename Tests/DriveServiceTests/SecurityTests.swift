import Crypto
import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

struct SecurityTests {
    @Test func everyRouteButHealthNeedsAKey() async throws {
        try await ServiceHarness.run { service in
            #expect(try await service.send(.get, "/health/live", authorized: false).status == .ok)
            let ready = try await service.send(.get, "/health/ready", authorized: false)
            #expect(ready.status == .ok, "\(String(buffer: ready.body))")
            for uri in ["/drive/files", "/metrics", "/drive/auth/accounts", "/drive/files/abc/content"] {
                let none = try await service.send(.get, uri, authorized: false)
                #expect(none.status == .unauthorized, "\(uri)")
                #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                let wrong = try await service.send(.get, uri, headers: [.authorization: "Bearer dsk_wrong"])
                #expect(wrong.status == .unauthorized, "\(uri)")
            }
            #expect(service.auditLines.filter { $0.contains("auth.rejected_key") }.count == 8)
            #expect(!service.auditLines.contains { $0.contains("dsk_") }, "no key in the audit log")
            #expect(try await service.send(.get, "/drive/files").status == .ok)
        }
    }

    @Test func aRejectedCredentialAnswersFourOhOneWithWhatToDo() async throws {
        try await ServiceHarness.run(extraConfiguration: {
            "[account gone]\nendpoint = \($0)\naccess_token = revoked-long-ago\npacing = none\n"
        }) { service in
            let answer = try await service.send(.get, "/drive/files?account=gone")
            #expect(answer.status == .unauthorized, "\(String(buffer: answer.body))")
            #expect(try service.json(ErrorBody.self, answer).error.reason == "credentials")
            #expect(try await service.send(.get, "/drive/files?account=emu").status == .ok, "other accounts still work")
            let events = String(buffer: try await service.send(.get, "/drive/events?since=0&timeout=0").body)
            #expect(events.contains(#""type":"auth.problem""#) && events.contains(#""account":"gone""#), "\(events)")
            #expect(
                service.auditLines.contains {
                    $0.contains("auth.credential_failed") && $0.contains(#""account":"gone""#)
                }
            )
        }
    }

    @Test func keysAreStoredHashedAndRevocable() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let driveSync = DriveSync(configuration: Configuration(), home: home)
        try await driveSync.withServiceDatabase { database in
            let store = database.apiKeys
            let secret = try await store.create("app")
            #expect(secret.hasPrefix("dsk_") && secret.count > 40)
            let file = try Data(contentsOf: URL(fileURLWithPath: home + "/service.sqlite"))
            #expect(file.range(of: Data(secret.utf8)) == nil, "only the hash is stored")
            let attributes = try FileManager.default.attributesOfItem(atPath: home + "/service.sqlite")
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let keys = try await store.keys()
            #expect(store.name(of: secret, in: keys) == "app")
            #expect(store.name(of: secret + "x", in: keys) == nil)
            await #expect(throws: APIKeyStore.Failure.self) { try await store.create("app") }
            await #expect(throws: APIKeyStore.Failure.self) { try await store.create("bad name") }
            try await store.revoke("app")
            #expect(store.name(of: secret, in: try await store.keys()) == nil)
            await #expect(throws: APIKeyStore.Failure.self) { try await store.revoke("app") }
        }
    }

    @Test func keysFromTheFileBeforeTheDatabaseAreImportedOnce() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/service", withIntermediateDirectories: true)
        let secret = "dsk_legacy-secret-of-an-older-data-folder-0123456789"
        let hash = Hex.lowercase(SHA256.hash(data: Data(secret.utf8)))
        try Data(
            #"[{"name":"old-app","created":"2026-11-01T10:00:00.000Z","prefix":"dsk_lega","hash":"\#(hash)"}]"#.utf8
        ).write(to: URL(fileURLWithPath: home + "/service/api-keys.json"))
        let driveSync = DriveSync(configuration: Configuration(), home: home)
        let keys = try await driveSync.withServiceDatabase { try await $0.apiKeys.keys() }
        #expect(keys.map(\.name) == ["old-app"] && keys.first?.created == "2026-11-01T10:00:00.000Z")
        #expect(!FileManager.default.fileExists(atPath: home + "/service/api-keys.json"))
        #expect(FileManager.default.fileExists(atPath: home + "/service/api-keys.json.imported"))
        try await driveSync.withServiceDatabase { database in
            let keys = try await database.apiKeys.keys()
            #expect(database.apiKeys.name(of: secret, in: keys) == "old-app")
        }
    }
}
