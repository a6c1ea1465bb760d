public import Foundation
import SQLDatabase

/// An API key as stored: never the secret, only its hash and a prefix to tell keys apart.
public struct StoredAPIKey: Sendable, Hashable {
    public var name: String
    public var prefix: String
    public var hash: String
    public var created: Date

    public init(name: String, prefix: String, hash: String, created: Date) {
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.created = created
    }
}

/// A credential as the database keeps it: ciphertext only (the key never enters the database), and
/// when it was put. A removed account keeps its row without ciphertext, so a copy elsewhere that is
/// older than the removal is known to be stale.
public struct SealedCredential: Sendable, Hashable {
    /// `nil` once the account was removed.
    public var sealed: Data?
    public var updated: Date
}

extension ServiceStateStore {
    /// Every key, by name.
    public func apiKeys() async throws -> [StoredAPIKey] {
        try await backend.read(SQLStatement("SELECT * FROM api_keys ORDER BY name")).map { row in
            StoredAPIKey(
                name: row.text("name") ?? "",
                prefix: row.text("prefix") ?? "",
                hash: row.text("hash") ?? "",
                created: Microseconds.date(row.integer("created") ?? 0)
            )
        }
    }

    /// Adds `key`; throws `exists` when its name is taken.
    public func addAPIKey(_ key: StoredAPIKey) async throws {
        let inserted = try await backend.write(
            SQLStatement(
                "INSERT INTO api_keys (name, prefix, hash, created) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING name",
                [.text(key.name), .text(key.prefix), .text(key.hash), .integer(Microseconds.from(key.created))]
            )
        )
        if inserted.isEmpty { throw ServiceStateError.exists("a key called \(key.name)") }
    }

    /// Removes the key called `name`; false when there was none.
    public func removeAPIKey(_ name: String) async throws -> Bool {
        try await !backend.write(SQLStatement("DELETE FROM api_keys WHERE name = ? RETURNING name", [.text(name)]))
            .isEmpty
    }
}

extension ServiceStateStore {
    /// The account's sealed credential and when it was put or removed; `nil` when it never was.
    public func sealedCredential(_ account: String) async throws -> SealedCredential? {
        let row = try await backend.read(
            SQLStatement("SELECT sealed, updated FROM credentials WHERE account = ?", [.text(account)])
        ).first
        return row.map {
            SealedCredential(
                sealed: $0.text("sealed").flatMap { $0.isEmpty ? nil : Data(base64Encoded: $0) },
                updated: Microseconds.date($0.integer("updated") ?? 0)
            )
        }
    }

    public func putSealedCredential(_ sealed: Data, for account: String) async throws {
        try await putCredentialRow(account, sealed.base64EncodedString())
    }

    /// Removes the account's credential, remembering when.
    public func removeCredential(_ account: String) async throws {
        try await putCredentialRow(account, "")
    }

    private func putCredentialRow(_ account: String, _ sealed: String) async throws {
        try await backend.write(
            SQLStatement(
                """
                INSERT INTO credentials (account, sealed, updated) VALUES (?, ?, ?)
                ON CONFLICT (account) DO UPDATE SET sealed = excluded.sealed, updated = excluded.updated
                """,
                [.text(account), .text(sealed), .integer(Microseconds.from(now()))]
            )
        )
    }

    /// The accounts with stored credentials, by name.
    public func credentialAccounts() async throws -> [String] {
        try await backend.read(SQLStatement("SELECT account FROM credentials WHERE sealed <> '' ORDER BY account"))
            .compactMap { $0.text("account") }
    }
}
