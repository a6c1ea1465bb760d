import Crypto
public import DriveSyncCore
public import Foundation
import LocalFiles
import ServiceState

/// The service's API keys: made once and shown once, kept only as SHA-256 hashes in the service's database
/// (shared by every process of the service), checked in constant time. A key is `dsk_` and 32 random
/// bytes in base64url, so a hash of it cannot be reversed by guessing.
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

    let state: ServiceStateStore
    /// Where keys were kept before the database held them (a 0600 JSON file): imported at first use, then
    /// renamed to `.imported`.
    let legacyFile: String

    init(state: ServiceStateStore, legacyFile: String) {
        self.state = state
        self.legacyFile = legacyFile
    }

    /// Every key, by name.
    public func keys() async throws -> [Key] {
        try await importLegacyFile()
        return try await state.apiKeys().map { key in
            Key(name: key.name, created: DriveTimestamp.format(key.created), prefix: key.prefix, hash: key.hash)
        }
    }

    /// Makes a key called `name` and returns its secret, which is not stored and cannot be shown again.
    public func create(_ name: String, now: Date = Date()) async throws -> String {
        guard !name.isEmpty, name.count <= 64,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw Failure(
                code: .invalidName,
                description: "a key name uses letters, digits, '-', '_' and '.' (at most 64), not '\(name)'"
            )
        }
        try await importLegacyFile()
        var generator = SystemRandomNumberGenerator()
        let secret = "dsk_" + Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        do {
            try await state.addAPIKey(
                StoredAPIKey(name: name, prefix: String(secret.prefix(8)), hash: Self.hash(secret), created: now)
            )
        } catch ServiceStateError.exists {
            throw Failure(
                code: .nameTaken,
                description: "a key called \(name) exists; revoke it first or choose another name"
            )
        }
        return secret
    }

    /// Forgets the key called `name`; requests with it are refused from now on.
    public func revoke(_ name: String) async throws {
        try await importLegacyFile()
        guard try await state.removeAPIKey(name) else {
            throw Failure(
                code: .unknownKey,
                description: "no key called \(name); list them with drivesync serve keys list"
            )
        }
    }

    /// Moves the keys of a data folder from before the database into it, once.
    private func importLegacyFile() async throws {
        let path = legacyFile
        let legacy = try await offload { () throws -> [Key]? in
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            do {
                return try JSONDecoder().decode([Key].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw Failure(
                    code: .unreadable,
                    description:
                        "cannot read the API keys in \(path) (\(error)); restore the file or remove it and create new keys"
                )
            }
        }
        guard let legacy else { return }
        for key in legacy {
            let created = DriveTimestamp.parse(key.created) ?? Date()
            do {
                try await state.addAPIKey(
                    StoredAPIKey(name: key.name, prefix: key.prefix, hash: key.hash, created: created)
                )
            } catch ServiceStateError.exists {
                // Imported by another process already.
            }
        }
        try await offload {
            // Another process may have moved it first.
            if FileManager.default.fileExists(atPath: path) {
                try? FileManager.default.removeItem(atPath: path + ".imported")
                try FileManager.default.moveItem(atPath: path, toPath: path + ".imported")
            }
        }
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
}
