import DriveAPI
import DriveAuth

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension DriveSync {
    /// How an account signs in.
    public enum LoginMethod: Sendable {
        /// The installed-app flow: `present` shows (or opens) the consent URL; the answer arrives on a
        /// loopback redirect.
        case browser(present: @Sendable (_ url: String) -> Void)
        /// The device flow: `show` tells the user where to go and which code to enter.
        case device(show: @Sendable (_ url: String, _ code: String) -> Void)
        /// The JWT bearer grant with a service-account key file (JSON); `subject` for domain-wide delegation.
        case serviceAccount(keyFile: String, subject: String?)
    }

    /// The scopes an account can ask for, shortest first: `drive.file` (only what DriveSync creates),
    /// `drive.readonly`, `drive`.
    public static let scopeNames = DriveScope.allCases.map(\.rawValue)

    /// An account that just signed in.
    public struct SignedIn: Sendable, Hashable {
        public var email: String?
        /// The granted scopes, short (`drive.file`).
        public var scopes: String
    }

    /// Signs `account` in and stores its credentials encrypted; the first account signed in becomes the
    /// default. The OAuth client is `clientID`/`clientSecret`, else the account's configuration, else
    /// `DRIVESYNC_CLIENT_ID`/`DRIVESYNC_CLIENT_SECRET`.
    public func login(
        _ account: String,
        method: LoginMethod,
        scope: String,
        endpoint: String? = nil,
        clientID: String? = nil,
        clientSecret: String? = nil
    ) async throws -> SignedIn {
        let request = try loginRequest(
            account,
            scope: scope,
            endpoint: endpoint,
            clientID: clientID,
            clientSecret: clientSecret
        )
        let flows = LoginFlows(store: credentialStore)
        let credential: StoredCredential
        switch method {
        case .serviceAccount(let keyFile, let subject):
            guard let data = FileManager.default.contents(atPath: keyFile) else {
                throw DriveSyncError(
                    .invalidArgument,
                    "cannot read \(keyFile); give the service-account key file (JSON) from the Cloud console"
                )
            }
            credential = try await flows.loginWithServiceAccount(
                request,
                key: try ServiceAccountKey(json: data),
                subject: subject
            )
        case .device(let show):
            credential = try await flows.loginWithDevice(request) { show($0.verificationURL, $0.userCode) }
        case .browser(let present):
            credential = try await flows.loginWithBrowser(request) { present($0) }
        }
        return try await signedIn(credential)
    }

    /// Who signs in where: the account's configured endpoint and OAuth client unless given.
    func loginRequest(
        _ account: String,
        scope: String,
        endpoint: String? = nil,
        clientID: String? = nil,
        clientSecret: String? = nil
    ) throws -> LoginFlows.Request {
        guard let scope = DriveScope(rawValue: scope) else {
            throw DriveSyncError(
                .invalidArgument,
                "the scope is \(Self.scopeNames.joined(separator: ", ")), not '\(scope)'"
            )
        }
        let configured = configuration.account(named: account)
        return LoginFlows.Request(
            account: account,
            endpoint: endpoint ?? configured?.endpoint,
            clientID: clientID ?? configured?.clientID ?? environmentClient.id,
            clientSecret: clientSecret ?? configured?.clientSecret ?? environmentClient.secret,
            scope: scope
        )
    }

    /// Records who signed in (for auth status) and makes the first account signed in the default.
    func signedIn(_ stored: StoredCredential) async throws -> SignedIn {
        var credential = stored
        let email = try await accountSummary(account: credential.account, storage: false).email
        credential.email = email
        try await credentialStore.save(credential)
        if credentialStore.defaultAccount() == nil { try credentialStore.setDefault(credential.account) }
        return SignedIn(email: email, scopes: Self.shortScopes(credential.scopes))
    }

    /// What `auth status` says of one account.
    public struct AccountStatus: Sendable, Hashable {
        public enum Credentials: Sendable, Hashable {
            /// `access_token` in the configuration.
            case fixedToken
            case notSignedIn
            case signedIn(who: String, scopes: String, accessTokenExpiry: Date?, endpoint: String?)
            /// Stored credentials that cannot be read, and why.
            case unreadable(String)
        }

        public var name: String
        public var isDefault: Bool
        public var credentials: Credentials
    }

    /// Every account of the configuration and the credential store, with how it signs in.
    public func accountStatuses() async throws -> [AccountStatus] {
        let defaultName = try? await defaultAccountName()
        var statuses: [AccountStatus] = []
        for name in try await accountNames() {
            statuses.append(
                AccountStatus(name: name, isDefault: name == defaultName, credentials: await credentials(of: name))
            )
        }
        return statuses
    }

    private func credentials(of name: String) async -> AccountStatus.Credentials {
        if let token = configuration.account(named: name)?.accessToken, !token.isEmpty { return .fixedToken }
        do {
            guard let credential = try await credentialStore.load(name) else { return .notSignedIn }
            let who =
                credential.kind == .serviceAccount
                ? "service account \(credential.serviceAccount?.clientEmail ?? "?")\(credential.subject.map { " for \($0)" } ?? "")"
                : credential.email ?? "unknown user"
            return .signedIn(
                who: who,
                scopes: Self.shortScopes(credential.scopes),
                accessTokenExpiry: credential.accessTokenExpiry,
                endpoint: credential.endpoint
            )
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// Revokes the grant of `account` (the default when `nil`) and deletes its credentials; returns the
    /// account and a note when the revocation could not be confirmed.
    public func logout(_ account: String?) async throws -> (account: String, note: String?) {
        let fallback = account == nil ? try await defaultAccountName() : nil
        guard let account = account ?? fallback else {
            throw DriveSyncError(.unknownAccount, "no account is signed in")
        }
        guard try await credentialStore.accounts().contains(account) else {
            throw DriveSyncError(.unknownAccount, "'\(account)' has no stored credentials")
        }
        return (account, try await LoginFlows(store: credentialStore).logout(account))
    }

    /// Makes `name` what `drive:` means.
    public func setDefaultAccount(_ name: String) async throws {
        guard try await accountNames().contains(name) else {
            throw DriveSyncError(
                .unknownAccount,
                "unknown account '\(name)'; sign it in with drivesync auth login \(name)"
            )
        }
        try credentialStore.setDefault(name)
    }

    static func shortScopes(_ scopes: [String]) -> String {
        scopes.map { DriveScope(url: $0)?.rawValue ?? $0 }.joined(separator: " ")
    }
}
