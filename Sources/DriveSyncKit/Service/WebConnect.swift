import DriveAuth
import DriveSyncCore
public import Foundation

/// "Connect your Drive" on the web: a sign-in begun by one request (`begin`) and finished by the
/// provider's redirect (`finish`). Each `state` is random, remembers what began it, works once and
/// expires after `lifetime`, so a replayed or forged callback signs nobody in.
public actor WebConnect {
    public struct Failure: UserFacingError, Sendable {
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            let name: String
            public var description: String { name }
            /// No sign-in began with this state, or it was already used.
            public static let unknownState = Code(name: "unknownState")
            public static let expiredState = Code(name: "expiredState")
            /// The user (or the provider) declined.
            public static let denied = Code(name: "denied")
            public static let invalidAccount = Code(name: "invalidAccount")
        }
        public var code: Code
        public var description: String
    }

    /// What a finished sign-in was for.
    public struct Connected: Sendable {
        public var account: String
        public var email: String?
        public var scopes: String
    }

    public static let lifetime: TimeInterval = 600
    /// Sign-ins begun and not finished that are kept at most: older ones are dropped first.
    static let capacity = 1000

    private let driveSync: DriveSync
    private let now: @Sendable () -> Date
    private var pending: [String: (login: LoginFlows.PendingWebLogin, account: String, began: Date)] = [:]

    /// - Parameter now: the clock expiry is measured with (tests move it instead of waiting).
    public init(driveSync: DriveSync, now: @escaping @Sendable () -> Date = { Date() }) {
        self.driveSync = driveSync
        self.now = now
    }

    /// Begins a sign-in of `account` with `scope`; returns the consent URL to send the user to, who comes
    /// back to `redirectURI` (the service's callback as the provider reaches it).
    public func begin(account: String, scope: String, redirectURI: String) throws -> String {
        guard !account.isEmpty, account.count <= 64, account != "drive",
            account.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw Failure(
                code: .invalidAccount,
                description: "an account name uses letters, digits, - and _ and is not 'drive', not '\(account)'"
            )
        }
        let request = try driveSync.loginRequest(account, scope: scope)
        let login = try LoginFlows(store: driveSync.credentialStore).beginWebLogin(request, redirectURI: redirectURI)
        let now = now()
        pending = pending.filter { now.timeIntervalSince($0.value.began) < Self.lifetime }
        if pending.count >= Self.capacity, let oldest = pending.min(by: { $0.value.began < $1.value.began }) {
            pending[oldest.key] = nil
        }
        pending[login.state] = (login, account, now)
        return login.url
    }

    /// Finishes the sign-in `state` began, with the provider's `code` (or its `error`).
    public func finish(state: String?, code: String?, error: String?) async throws -> Connected {
        guard let state, let begun = pending.removeValue(forKey: state) else {
            throw Failure(
                code: .unknownState,
                description: "this sign-in link was already used or did not come from DriveSync; start again"
            )
        }
        guard now().timeIntervalSince(begun.began) < Self.lifetime else {
            throw Failure(code: .expiredState, description: "this sign-in took too long and expired; start again")
        }
        if let error {
            throw Failure(code: .denied, description: "the sign-in of \(begun.account) was not allowed (\(error))")
        }
        guard let code else {
            throw Failure(code: .unknownState, description: "the provider sent no code back; start again")
        }
        let credential = try await LoginFlows(store: driveSync.credentialStore).completeWebLogin(
            begun.login,
            code: code
        )
        let signedIn = try await driveSync.signedIn(credential)
        return Connected(account: begun.account, email: signedIn.email, scopes: signedIn.scopes)
    }
}
