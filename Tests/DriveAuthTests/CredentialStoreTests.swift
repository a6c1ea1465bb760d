import Crypto
import DriveAuth
import Foundation
import Testing

struct CredentialStoreTests {
    func credential() -> StoredCredential {
        var credential = StoredCredential(
            account: "work",
            kind: .user,
            clientID: "cid",
            clientSecret: "client-secret-value",
            scopes: [DriveScope.file.url]
        )
        credential.accessToken = "ya29.ACCESS-TOKEN-IN-CLEAR"
        credential.refreshToken = "1//REFRESH-TOKEN-IN-CLEAR"
        credential.accessTokenExpiry = Date(timeIntervalSince1970: 1_800_000_000)
        return credential
    }

    func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func storedTokensAreEncryptedAndPrivate() async throws {
        let (store, home) = makeStore()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await store.save(credential())
        let file = home + "/credentials/work.credential"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        for secret in ["ACCESS-TOKEN-IN-CLEAR", "REFRESH-TOKEN-IN-CLEAR", "client-secret-value", "refreshToken"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is not in the file in clear")
        }
        #expect(try permissions(file) == 0o600)
        #expect(try permissions(home + "/credentials") == 0o700)
        #expect(try permissions(home + "/credentials.key") == 0o600)
        #expect(try await store.load("work") == credential())
        #expect(try await store.accounts() == ["work"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: home + "/credentials").allSatisfy {
                !$0.contains(".tmp-")
            },
            "no temporary files left"
        )
    }

    @Test func aTamperedFileOrAnotherKeyIsReportedNotDecrypted() async throws {
        let (store, home) = makeStore()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await store.save(credential())
        let file = home + "/credentials/work.credential"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: file))
        let tampered = await #expect(throws: CredentialStore.Failure.self) { _ = try await store.load("work") }
        #expect(tampered?.description.contains("drivesync auth login work") == true)

        try await store.save(credential())
        let otherKey = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        let withOtherKey = CredentialStore(
            folder: store.folder,
            keyFile: store.keyFile,
            environment: ["DRIVESYNC_TOKEN_KEY": otherKey]
        )
        await #expect(throws: CredentialStore.Failure.self) { _ = try await withOtherKey.load("work") }
        let badKey = CredentialStore(
            folder: store.folder,
            keyFile: store.keyFile,
            environment: ["DRIVESYNC_TOKEN_KEY": "short"]
        )
        await #expect(throws: CredentialStore.Failure.self) { _ = try await badKey.load("work") }
        // A file copied under another account's name does not open either.
        try FileManager.default.copyItem(atPath: file, toPath: home + "/credentials/other.credential")
        await #expect(throws: CredentialStore.Failure.self) { _ = try await store.load("other") }
    }

    @Test func theKeyCanComeFromTheEnvironment() async throws {
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        let (store, home) = makeStore(environment: ["DRIVESYNC_TOKEN_KEY": key])
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await store.save(credential())
        #expect(!FileManager.default.fileExists(atPath: store.keyFile), "no key file when the environment gives one")
        #expect(try await store.load("work")?.refreshToken == credential().refreshToken)
    }
}
