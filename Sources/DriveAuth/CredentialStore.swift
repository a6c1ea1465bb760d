import Crypto
public import DriveSyncCore
public import Foundation
import LocalFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What DriveSync keeps for one signed-in account. Held only encrypted on disk.
public struct StoredCredential: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable { case user, serviceAccount }

    public var account: String
    public var kind: Kind
    /// The Drive API base URL; `nil` is Google.
    public var endpoint: String?
    public var clientID: String?
    public var clientSecret: String?
    public var scopes: [String]
    public var accessToken: String?
    public var accessTokenExpiry: Date?
    public var refreshToken: String?
    public var serviceAccount: ServiceAccountKey?
    /// The user a service account acts for (domain-wide delegation).
    public var subject: String?
    /// Who signed in, for `auth status`.
    public var email: String?

    public init(
        account: String,
        kind: Kind,
        endpoint: String? = nil,
        clientID: String? = nil,
        clientSecret: String? = nil,
        scopes: [String]
    ) {
        self.account = account
        self.kind = kind
        self.endpoint = endpoint
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
    }

    public var oauthEndpoints: OAuthEndpoints { endpoint.map(OAuthEndpoints.served(at:)) ?? .google }

    /// Takes a token endpoint's answer issued at `issuedAt`: the access token, its expiry, and the
    /// refresh token when one came (a refresh answer usually has none: the old one stays).
    mutating func accept(_ grant: TokenGrant, issuedAt: Date) {
        accessToken = grant.accessToken
        accessTokenExpiry = issuedAt.addingTimeInterval(TimeInterval(grant.expiresIn ?? 3600))
        if let refreshToken = grant.refreshToken { self.refreshToken = refreshToken }
    }
}

/// Where sealed credentials are kept: files in the data folder, or the service's database when many
/// processes share the accounts. It only ever sees ciphertext.
public protocol CredentialVault: Sendable {
    func sealed(_ account: String) async throws -> Data?
    func putSealed(_ sealed: Data, for account: String) async throws
    func remove(_ account: String) async throws
    /// Accounts with stored credentials, sorted.
    func accounts() async throws -> [String]
}

/// Sealed credentials as files: `ACCOUNT.credential`, 0600, in a 0700 folder, written to a temporary name
/// and renamed, so a crash never leaves half a file.
public struct CredentialFiles: CredentialVault {
    public let folder: String

    public init(folder: String) { self.folder = folder }

    static let fileExtension = ".credential"

    private func path(_ account: String) -> String { folder + "/" + account + Self.fileExtension }

    public func sealed(_ account: String) async throws -> Data? {
        let path = path(account)
        return try await offload { FileManager.default.contents(atPath: path) }
    }

    /// When the account's file was last written, or `nil` without one.
    public func modificationDate(of account: String) async -> Date? {
        let path = path(account)
        return try? await offload { try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date }
    }

    public func putSealed(_ sealed: Data, for account: String) async throws {
        let (folder, path) = (folder, path(account))
        try await offload {
            try CredentialStore.makePrivateFolder(folder)
            try CredentialStore.writeAtomically(sealed, to: path)
        }
    }

    public func remove(_ account: String) async throws {
        let path = path(account)
        try await offload {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        }
    }

    public func accounts() async throws -> [String] {
        let folder = folder
        return try await offload {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.filter { $0.hasSuffix(Self.fileExtension) }
                .map { String($0.dropLast(Self.fileExtension.count)) }.sorted()
        }
    }
}

/// Credentials encrypted at rest with AES-GCM (authenticated: a changed byte or another key is
/// detected, never decrypted into garbage) and kept in a `CredentialVault`. The key is 32 random bytes
/// in a separate 0600 file, or base64 in `DRIVESYNC_TOKEN_KEY` (what every machine sharing a vault sets),
/// and never enters the vault. The default account is a file in `folder`, one per machine.
public struct CredentialStore: Sendable {
    public let folder: String
    public let keyFile: String
    public let vault: any CredentialVault
    let environmentKey: String?

    /// Stored credentials that cannot be used: the user signs in again.
    public struct Failure: Error, CustomStringConvertible, CredentialAwareError, Sendable {
        public struct Code: Hashable, Sendable {
            let name: String
            /// `DRIVESYNC_TOKEN_KEY` or the key file holds no usable key.
            public static let invalidKey = Code(name: "invalidKey")
            /// The key file is gone while credentials remain.
            public static let missingKey = Code(name: "missingKey")
            /// A credential was changed, or sealed with another key.
            public static let unreadable = Code(name: "unreadable")
            public static let sealingFailed = Code(name: "sealingFailed")
        }

        public var code: Code
        public var description: String
        public var credentialProblem: CredentialProblem? { .rejected }

        init(_ code: Code, _ description: String) {
            self.code = code
            self.description = description
        }
    }

    /// - Parameters:
    ///   - folder: the data folder's credentials (`$DRIVESYNC_HOME/credentials`): the files, unless `vault`
    ///     says otherwise, and the default account.
    ///   - keyFile: the key's file (`$DRIVESYNC_HOME/credentials.key`), used unless `DRIVESYNC_TOKEN_KEY` is set.
    public init(
        folder: String,
        keyFile: String,
        vault: (any CredentialVault)? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.folder = folder
        self.keyFile = keyFile
        self.vault = vault ?? CredentialFiles(folder: folder)
        self.environmentKey = environment["DRIVESYNC_TOKEN_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The key, created on first use when neither the environment nor the key file has one.
    private func key(creating: Bool) throws -> SymmetricKey {
        if let environmentKey {
            guard let bytes = Data(base64Encoded: environmentKey), bytes.count == 32 else {
                throw Failure(
                    .invalidKey,
                    "DRIVESYNC_TOKEN_KEY must be 32 bytes in base64 (for example: head -c32 /dev/urandom | base64)"
                )
            }
            return SymmetricKey(data: bytes)
        }
        if let text = try? String(contentsOfFile: keyFile, encoding: .utf8) {
            guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                bytes.count == 32
            else {
                throw Failure(
                    .invalidKey,
                    "the key file \(keyFile) is damaged; remove it and the files in \(folder), then sign in again"
                )
            }
            return SymmetricKey(data: bytes)
        }
        guard creating else {
            throw Failure(.missingKey, "no key to read the stored credentials (\(keyFile) is missing); sign in again")
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        try Self.writeAtomically(Data(text.utf8), to: keyFile)
        return key
    }

    /// Seals `credential` for its account (the account name is authenticated too: a credential copied to
    /// another account does not open).
    public func seal(_ credential: StoredCredential) throws -> Data {
        let plain = try JSONEncoder().encode(credential)
        let sealed = try AES.GCM.seal(plain, using: key(creating: true), authenticating: Data(credential.account.utf8))
        guard let combined = sealed.combined else { throw Failure(.sealingFailed, "encryption failed") }
        return combined
    }

    /// Opens what `seal` made for `account`.
    public func open(_ combined: Data, account: String) throws -> StoredCredential {
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plain = try AES.GCM.open(box, using: key(creating: false), authenticating: Data(account.utf8))
            return try JSONDecoder().decode(StoredCredential.self, from: plain)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(
                .unreadable,
                "the stored credentials of '\(account)' cannot be read: they were changed or the key is not the one they were saved with; run drivesync auth login \(account)"
            )
        }
    }

    public func save(_ credential: StoredCredential) async throws {
        try await vault.putSealed(try seal(credential), for: credential.account)
    }

    /// The account's credential, or `nil` when it never signed in.
    public func load(_ account: String) async throws -> StoredCredential? {
        guard let combined = try await vault.sealed(account) else { return nil }
        return try open(combined, account: account)
    }

    public func remove(_ account: String) async throws {
        try await vault.remove(account)
        if defaultAccount() == account { try? FileManager.default.removeItem(atPath: folder + "/default") }
    }

    /// Accounts with stored credentials, sorted.
    public func accounts() async throws -> [String] { try await vault.accounts() }

    public func defaultAccount() -> String? {
        (try? String(contentsOfFile: folder + "/default", encoding: .utf8))?.trimmingCharacters(
            in: .whitespacesAndNewlines
        ).nilIfEmpty
    }

    public func setDefault(_ account: String) throws {
        try Self.makePrivateFolder(folder)
        try Self.writeAtomically(Data((account + "\n").utf8), to: folder + "/default")
    }

    static func makePrivateFolder(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        chmod(path, 0o700)
    }

    /// Writes `data` to a 0600 file, flushed and renamed into place.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try AtomicFile.write(data, to: path, permissions: 0o600)
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
