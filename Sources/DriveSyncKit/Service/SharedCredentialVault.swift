import DriveAuth
import Foundation
import ServiceState

/// Credentials in the service's database, so every process of the service, on any machine, uses the
/// accounts one of them signed in and the tokens one of them refreshed. The data folder's files still
/// count where they are newer than what the database says (a credential put or removed later wins): a
/// file the database lacks, or has older, is copied in when listed or read, so `drivesync auth login` on a machine
/// reaches its service, while an account signed out elsewhere stays signed out. Only ciphertext moves;
/// each machine opens it with the same key (`DRIVESYNC_TOKEN_KEY`).
struct SharedCredentialVault: CredentialVault {
    let state: ServiceStateStore
    let files: CredentialFiles

    func sealed(_ account: String) async throws -> Data? {
        let shared = try await state.sealedCredential(account)
        return try await importFile(account, over: shared) ?? shared?.sealed
    }

    func putSealed(_ sealed: Data, for account: String) async throws {
        try await state.putSealedCredential(sealed, for: account)
    }

    func remove(_ account: String) async throws {
        try await state.removeCredential(account)
        try await files.remove(account)
    }

    func accounts() async throws -> [String] {
        var accounts = Set(try await state.credentialAccounts())
        for account in try await files.accounts() {
            if try await importFile(account, over: state.sealedCredential(account)) != nil { accounts.insert(account) }
        }
        return accounts.sorted()
    }

    /// Copies the account's file into the database when it is newer than what the database says, and
    /// returns it then.
    private func importFile(_ account: String, over shared: SealedCredential?) async throws -> Data? {
        guard let written = await files.modificationDate(of: account), written > shared?.updated ?? .distantPast,
            let local = try await files.sealed(account)
        else { return nil }
        try await state.putSealedCredential(local, for: account)
        return local
    }
}

extension DriveSync {
    /// This DriveSync with its credentials kept in `database` (see `SharedCredentialVault`).
    public func sharingCredentials(in database: ServiceDatabase) -> DriveSync {
        var shared = self
        shared.credentialVault = SharedCredentialVault(
            state: database.state,
            files: CredentialFiles(folder: home + "/credentials")
        )
        return shared
    }
}
