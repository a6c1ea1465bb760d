import DriveAPI

extension DriveSync {
    /// Who an account is signed in as, where it is served from, and its storage.
    public struct AccountSummary: Sendable, Hashable {
        public var displayName: String?
        public var email: String?
        /// The API base URL the account talks to.
        public var endpoint: String
        /// Bytes used in all, in Drive, and in Drive's trash; `nil` when the server does not say.
        public var usage: Int64?
        public var usageInDrive: Int64?
        public var usageInTrash: Int64?
        /// `nil`: unlimited.
        public var limit: Int64?
        public var reportsStorage: Bool
        public var largestUpload: Int64?
    }

    /// The account's user and storage (`about`); with `storage` false, only who it is (`drivesync test`).
    public func accountSummary(account: String?, storage: Bool = true) async throws -> AccountSummary {
        try await withDrive(account: account) { connection in
            let about = try await connection.client.about(fields: storage ? .account : .user)
            return AccountSummary(
                displayName: about.user?.displayName,
                email: about.user?.emailAddress,
                endpoint: connection.client.configuration.baseURL,
                usage: about.storageQuota?.usage,
                usageInDrive: about.storageQuota?.usageInDrive,
                usageInTrash: about.storageQuota?.usageInDriveTrash,
                limit: about.storageQuota?.limit,
                reportsStorage: about.storageQuota != nil,
                largestUpload: about.maxUploadSize
            )
        }
    }
}
