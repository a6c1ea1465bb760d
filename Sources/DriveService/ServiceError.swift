import DriveSyncKit
import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// Every error the service answers, in one shape: `{"error": {"code", "message", "reason"}}` where
/// `code` is the HTTP status, `reason` a stable name programs match and `message` one line for a person.
public struct ServiceError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var reason: String
    public var message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, reason: String, message: String) {
        self.status = status
        self.reason = reason
        self.message = message
    }

    /// The answer to any error a route or Hummingbird raised.
    init(_ error: any Error) {
        switch error {
        case let error as ServiceError:
            self = error
        case let error as HTTPError:
            self.init(
                error.status,
                reason: Self.reason(of: error.status),
                message: error.body ?? error.status.reasonPhrase
            )
            headers = error.headers
        case let error as DecodingError:
            self.init(
                .badRequest,
                reason: "invalidJSON",
                message: "the JSON body does not fit: \(Self.describe(error))"
            )
        default:
            let failure = OperationFailure(error)
            self.init(Self.status(of: failure.kind), reason: failure.reason, message: failure.message)
            if let retryAfter = failure.retryAfter {
                headers[.retryAfter] = String(max(1, retryAfter.components.seconds))
            }
        }
    }

    static func status(of kind: OperationFailure.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .rateLimited: .tooManyRequests
        case .unavailable: .badGateway
        case .tooLarge: .contentTooLarge
        case .cancelled: .init(code: 499, reasonPhrase: "Client Closed Request")
        case .internal: .internalServerError
        }
    }

    private static func reason(of status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "noRoute"
        case .contentTooLarge: "tooLarge"
        case .methodNotAllowed: "methodNotAllowed"
        case .unauthorized: "unauthorized"
        default: status.reasonPhrase.replacingOccurrences(of: " ", with: "")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.isEmpty
                ? context.debugDescription
                : "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' is wrong"
        @unknown default: "\(error)"
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                var code: Int
                var message: String
                var reason: String
            }
            var error: Detail
        }
        let body = Body(error: .init(code: status.code, message: message, reason: reason))
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        if status == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="drivesync""# }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
