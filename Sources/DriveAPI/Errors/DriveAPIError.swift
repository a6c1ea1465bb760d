public import DriveSyncCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A failed Drive call: the HTTP status, Drive's `reason` and `domain`, the message, `Retry-After`, and
/// the underlying cause for transport failures.
public struct DriveAPIError: Error, CustomStringConvertible, Sendable {
    /// An extensible code: new codes can be added without breaking anyone.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// An HTTP error answer from Drive.
        public static let http = Code(name: "http")
        /// No answer: connection refused or dropped, timeout.
        public static let transport = Code(name: "transport")
        /// A downloaded or uploaded file's MD5 does not match Drive's.
        public static let checksumMismatch = Code(name: "checksumMismatch")
        /// The answer could not be understood.
        public static let invalidResponse = Code(name: "invalidResponse")
        /// The caller asked for something impossible (a bad chunk size, a missing file).
        public static let invalidRequest = Code(name: "invalidRequest")
        /// The file changed on Drive while it was being read: the bytes would mix two versions.
        public static let contentChanged = Code(name: "contentChanged")
        /// The server's TLS certificate was refused (an authority the client does not trust, another
        /// host's name): asking again gets the same certificate, so it is never retried.
        public static let untrustedServer = Code(name: "untrustedServer")
    }

    public var code: Code
    public var status: Int?
    public var reason: String?
    public var domain: String?
    public var message: String
    public var retryAfter: Duration?
    /// The Drive method that failed (`files.create`).
    public var method: DriveMethod?
    /// What went wrong underneath (a connection or TLS error), kept as the error itself.
    public var cause: (any Error)?

    public init(
        code: Code,
        status: Int? = nil,
        reason: String? = nil,
        domain: String? = nil,
        message: String,
        retryAfter: Duration? = nil,
        method: DriveMethod? = nil,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.status = status
        self.reason = reason
        self.domain = domain
        self.message = message
        self.retryAfter = retryAfter
        self.method = method
        self.cause = cause
    }

    public var description: String {
        var text = "Drive \(method ?? "call") failed"
        if let status { text += " (\(status)\(reason.map { " \($0)" } ?? ""))" }
        text += ": \(message)"
        if let cause { text += " [\(cause)]" }
        return text
    }

    /// A bounded, value-free label for metrics.
    public var shortDescription: String {
        if let reason { return reason }
        if let status { return String(status) }
        return code.name
    }

    var retryFacts: RetryClassification.Failure {
        RetryClassification.Failure(
            status: code == .transport ? nil : status,
            reason: isUploadCap ? "dailyUploadLimitReached" : reason,
            retryAfter: retryAfter
        )
    }

    /// The connection closed while an answer's body was being read.
    static func cutShort(_ method: DriveMethod, cause: any Error) -> DriveAPIError {
        DriveAPIError(code: .transport, message: "the answer was cut short", method: method, cause: cause)
    }

    /// Parses an error answer: Google's JSON (`{"error": {"code", "message", "errors": [{"reason", "domain"}]}}`),
    /// its newer `details` form, the OAuth shape, or anything else (Drive can answer 429 with HTML).
    static func from(status: Int, headers: [(String, String)], body: [UInt8], method: DriveMethod?) -> DriveAPIError {
        let retryAfter = headers.first { $0.0.lowercased() == "retry-after" }.flatMap {
            Int($0.1.filter { !$0.isWhitespace })
        }
        .map { Duration.seconds($0) }
        var error = DriveAPIError(
            code: .http,
            status: status,
            message: "HTTP \(status)",
            retryAfter: retryAfter,
            method: method
        )
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body)) {
            if let detail = envelope.error.value {
                error.message = detail.message ?? error.message
                error.reason = detail.errors?.first?.reason ?? detail.details?.first?.reason
                error.domain = detail.errors?.first?.domain ?? detail.details?.first?.domain
            } else if let oauth = envelope.error.oauth {
                error.reason = oauth
                error.message = envelope.error_description ?? oauth
            }
        } else if !body.isEmpty {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            error.message = "HTTP \(status): \(text.contains("<html") ? "non-JSON (HTML) error page" : text)"
        }
        return error
    }

    private struct Envelope: Decodable {
        struct Detail: Decodable {
            struct Item: Decodable {
                var reason: String?
                var domain: String?
            }
            var code: Int?
            var message: String?
            var errors: [Item]?
            var details: [Item]?
        }

        /// Drive nests an object under `error`; OAuth endpoints put a string there.
        enum ErrorField: Decodable {
            case detail(Detail)
            case oauth(String)

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) {
                    self = .oauth(text)
                } else {
                    self = .detail(try container.decode(Detail.self))
                }
            }

            var value: Detail? { if case .detail(let detail) = self { detail } else { nil } }
            var oauth: String? { if case .oauth(let text) = self { text } else { nil } }
        }

        var error: ErrorField
        var error_description: String?
    }
}

extension DriveAPIError: WrappingError {
    public var underlyingError: (any Error)? { cause }
}

extension DriveAPIError: CredentialAwareError {
    /// Drive answers 401 when the token is missing, expired beyond refresh or revoked.
    public var credentialProblem: CredentialProblem? { status == 401 ? .rejected : nil }
}

extension DriveAPIError: UploadCapAwareError {
    /// Drive answers its daily upload cap as a rate limit told apart only by its message (rclone's
    /// `--drive-stop-on-upload-limit` reads it the same way); retrying it for a day helps nobody.
    public var isUploadCap: Bool {
        status == 403 && reason.map(RetryClassification.rateLimitReasons.contains) == true
            && message == "User rate limit exceeded."
    }
}
