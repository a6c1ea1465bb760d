import Crypto
public import DriveSyncCore
public import Foundation
import LocalFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The service's API keys: made once and shown once, kept only as SHA-256 hashes in a 0600 file, checked
/// in constant time. A key is `dsk_` and 32 random bytes in base64url, so a hash of it cannot be
/// reversed by guessing.
public struct APIKeyStore: Sendable {
    /// One key as stored: its name, when it was made, and the hash of its secret.
    public struct Key: Codable, Hashable, Sendable {
        public var name: String
        public var created: String
        /// The first characters of the key, to tell keys apart in a listing (not enough to guess it).
        public var prefix: String
        var hash: String
    }

    public struct Failure: UserFacingError, Sendable {
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            let name: String
            public var description: String { name }
            public static let nameTaken = Code(name: "nameTaken")
            public static let unknownKey = Code(name: "unknownKey")
            public static let invalidName = Code(name: "invalidName")
            public static let unreadable = Code(name: "unreadable")
        }
        public var code: Code
        public var description: String
    }

    public let path: String

    public init(path: String) { self.path = path }

    /// Every key, by name.
    public func keys() async throws -> [Key] {
        try await offload { try keysBlocking() }
    }

    private func keysBlocking() throws -> [Key] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode([Key].self, from: data).sorted { $0.name < $1.name }
        } catch {
            throw Failure(
                code: .unreadable,
                description:
                    "cannot read the API keys in \(path) (\(error)); restore the file or remove it and create new keys"
            )
        }
    }

    /// Makes a key called `name` and returns its secret, which is not stored and cannot be shown again.
    public func create(_ name: String, now: Date = Date()) async throws -> String {
        try await offload { try createBlocking(name, now: now) }
    }

    private func createBlocking(_ name: String, now: Date) throws -> String {
        guard !name.isEmpty, name.count <= 64,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw Failure(
                code: .invalidName,
                description: "a key name uses letters, digits, '-', '_' and '.' (at most 64), not '\(name)'"
            )
        }
        var keys = try keysBlocking()
        guard !keys.contains(where: { $0.name == name }) else {
            throw Failure(
                code: .nameTaken,
                description: "a key called \(name) exists; revoke it first or choose another name"
            )
        }
        var generator = SystemRandomNumberGenerator()
        let secret = "dsk_" + Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        keys.append(
            Key(
                name: name,
                created: DriveTimestamp.format(now),
                prefix: String(secret.prefix(8)),
                hash: Self.hash(secret)
            )
        )
        try save(keys)
        return secret
    }

    /// Forgets the key called `name`; requests with it are refused from now on.
    public func revoke(_ name: String) async throws {
        try await offload { try revokeBlocking(name) }
    }

    private func revokeBlocking(_ name: String) throws {
        var keys = try keysBlocking()
        guard keys.contains(where: { $0.name == name }) else {
            throw Failure(
                code: .unknownKey,
                description: "no key called \(name); list them with drivesync serve keys list"
            )
        }
        keys.removeAll { $0.name == name }
        try save(keys)
    }

    /// The name of the key `secret` is, or `nil`. Every stored hash is compared, each in constant time,
    /// so the answer takes as long whichever key matches.
    public func name(of secret: String, in keys: [Key]) -> String? {
        let presented = Array(Self.hash(secret).utf8)
        var found: String?
        for key in keys where Self.constantTimeEqual(Array(key.hash.utf8), presented) && found == nil {
            found = key.name
        }
        return found
    }

    static func hash(_ secret: String) -> String { Hex.lowercase(SHA256.hash(data: Data(secret.utf8))) }

    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    private func save(_ keys: [Key]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(
            atPath: folder,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        try AtomicFile.write(try encoder.encode(keys), to: path, permissions: 0o600)
    }
}

extension DriveSync {
    /// The service's API keys, in the data folder.
    public var apiKeys: APIKeyStore { APIKeyStore(path: home + "/service/api-keys.json") }
}
