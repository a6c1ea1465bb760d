import DriveAPI
import DriveAuth
public import DriveSyncCore

/// What kind of failure an error is, for applications that answer it (the service maps each to an HTTP
/// status): one place that knows every module's error types.
public struct OperationFailure: Sendable {
    public enum Kind: String, Sendable {
        case invalid
        case notFound
        case conflict
        /// The account's credential is missing, expired or revoked: sign in again.
        case unauthorized
        case forbidden
        case rateLimited
        /// Drive or the network failed; trying again later may work.
        case unavailable
        case tooLarge
        case cancelled
        case `internal`
    }

    public var kind: Kind
    /// A stable machine-readable name (`notFound`, `alreadyExists`, `userRateLimitExceeded`).
    public var reason: String
    /// One line for a person: what went wrong and what to do.
    public var message: String
    public var retryAfter: Duration?

    public init(kind: Kind, reason: String, message: String, retryAfter: Duration? = nil) {
        self.kind = kind
        self.reason = reason
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Classifies any error DriveSync raises.
    public init(_ error: any Error) {
        if isCancellation(error) {
            self.init(kind: .cancelled, reason: "cancelled", message: "the request was cancelled")
            return
        }
        if let credential = error as? any CredentialAwareError, credential.credentialProblem != nil {
            self.init(kind: .unauthorized, reason: "credentials", message: credential.description)
            return
        }
        switch error {
        case let error as OperationFailure:
            self = error
        case let error as RemoteError:
            let kind: Kind =
                switch error.code {
                case .notFound: .notFound
                case .alreadyExists, .notAFolder, .isAFolder: .conflict
                case .permissionDenied: .forbidden
                default: .unavailable
                }
            self.init(kind: kind, reason: error.code.description, message: error.description)
        case let error as RemotePath.InvalidPath:
            self.init(kind: .invalid, reason: "invalidPath", message: error.description)
        case let error as DriveSyncError:
            let kind: Kind =
                switch error.code {
                case .invalidArgument, .wrongKind, .overlap: .invalid
                case .unknownAccount: .notFound
                case .busy: .conflict
                default: .unavailable
                }
            self.init(kind: kind, reason: error.code.description, message: error.description)
        case let error as DriveAPIError:
            self.init(driveError: error)
        case let error as Location.Invalid:
            self.init(kind: .invalid, reason: "invalidLocation", message: error.description)
        case let error as any UserFacingError where error.exitStatus == .usage:
            self.init(kind: .invalid, reason: "invalid", message: error.description)
        case let error as OAuthError:
            self.init(kind: .unavailable, reason: error.code, message: error.description)
        case let error as any UserFacingError:
            self.init(kind: .internal, reason: "internal", message: error.description)
        default:
            self.init(kind: .internal, reason: "internal", message: "an unexpected error; see the service log")
        }
    }

    private init(driveError error: DriveAPIError) {
        let reason = error.reason ?? error.code.description
        let message = "Drive: \(error.message)"
        switch (error.code, error.status) {
        case (.http, 404?): self.init(kind: .notFound, reason: reason, message: message)
        case (.http, 400?): self.init(kind: .invalid, reason: reason, message: message)
        case (.http, 409?): self.init(kind: .conflict, reason: reason, message: message)
        case (.http, 429?),
            (.http, 403?) where error.reason.map(RetryClassification.rateLimitReasons.contains) == true:
            self.init(kind: .rateLimited, reason: reason, message: message, retryAfter: error.retryAfter)
        case (.http, 403?): self.init(kind: .forbidden, reason: reason, message: message)
        case (.invalidRequest, _): self.init(kind: .invalid, reason: reason, message: error.message)
        default: self.init(kind: .unavailable, reason: reason, message: message, retryAfter: error.retryAfter)
        }
    }
}

extension OperationFailure: UserFacingError {
    public var description: String { message }
}
