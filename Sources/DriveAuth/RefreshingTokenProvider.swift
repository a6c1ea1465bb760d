public import DriveAPI
import DriveSyncCore
public import Foundation

/// An account's access tokens: the stored one while it has more than `margin` left, else a fresh one
/// (refresh token, or a new assertion for a service account), saved back encrypted. However many
/// calls wait, one refresh is in flight; a 401 triggers one refresh, not one per caller.
public actor RefreshingTokenProvider: AccessTokenProvider {
    private var credential: StoredCredential
    private let store: CredentialStore?
    private let client: OAuthClient
    private let now: @Sendable () -> Date
    private let margin: TimeInterval
    private var refreshing: Task<StoredCredential, any Error>?
    /// How many refreshes were made (for tests and `--verbose`).
    public private(set) var refreshCount = 0

    public init(
        credential: StoredCredential,
        store: CredentialStore?,
        client: OAuthClient,
        margin: Duration = .seconds(60),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.credential = credential
        self.store = store
        self.client = client
        self.margin = TimeInterval(margin.components.seconds)
        self.now = now
    }

    public func accessToken() async throws -> String {
        if let token = credential.accessToken, let expiry = credential.accessTokenExpiry,
            expiry.timeIntervalSince(now()) > margin
        {
            return token
        }
        return try await refresh()
    }

    public func refreshedToken(after rejected: String) async throws -> String {
        // Someone else already replaced the rejected token.
        if let token = credential.accessToken, token != rejected { return token }
        return try await refresh()
    }

    private func refresh() async throws -> String {
        let task: Task<StoredCredential, any Error>
        if let refreshing {
            task = refreshing
        } else {
            let current = credential
            let client = self.client
            let issuedAt = now()
            task = Task { try await Self.renewed(current, client: client, at: issuedAt) }
            refreshing = task
            refreshCount += 1
        }
        defer { if refreshing == task { refreshing = nil } }
        let renewed = try await task.value
        if renewed.accessToken != credential.accessToken {
            credential = renewed
            try await store?.save(renewed)
        }
        guard let token = renewed.accessToken else {
            throw OAuthError(
                code: "no_access_token",
                message: "the token endpoint issued no access token; sign in again",
                status: nil
            )
        }
        return token
    }

    static func renewed(
        _ credential: StoredCredential,
        client: OAuthClient,
        at issuedAt: Date
    ) async throws -> StoredCredential {
        var renewed = credential
        let grant: TokenGrant
        do {
            switch credential.kind {
            case .user:
                guard let refreshToken = credential.refreshToken else {
                    throw OAuthError(code: "invalid_grant", message: "no refresh token is stored")
                }
                grant = try await client.refresh(refreshToken)
            case .serviceAccount:
                guard let key = credential.serviceAccount else {
                    throw OAuthError(code: "invalid_grant", message: "no service-account key is stored")
                }
                let assertion = try key.assertion(
                    scopes: credential.scopes,
                    subject: credential.subject,
                    audience: client.endpoints.token,
                    issuedAt: issuedAt
                )
                grant = try await client.bearer(assertion: assertion)
            }
        } catch let error as OAuthError where error.credentialProblem != nil {
            throw OAuthError(
                code: error.code,
                message:
                    "the credentials of '\(credential.account)' were revoked or expired (\(error.message)); run drivesync auth login \(credential.account)",
                status: error.status
            )
        }
        renewed.accept(grant, issuedAt: issuedAt)
        return renewed
    }
}
