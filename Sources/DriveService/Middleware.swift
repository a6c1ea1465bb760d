import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Synchronization

/// Turns whatever a route throws into the service's one error shape; a failure the request did not cause
/// is logged (never its token), and no stack trace or raw error text leaves the process. A credential that
/// Drive refused (expired, revoked) is announced on the event stream and audited.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let allowed: AllowedMethods
    /// Where credential failures are announced (`auth.problem`) and audited.
    let events: EventStream
    let audit: AuditLog

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let methods = allowed.methods(for: request.uri.path)
            guard !methods.isEmpty else { return ServiceError(error).response() }
            var answer = ServiceError(
                .methodNotAllowed,
                reason: "methodNotAllowed",
                message: "\(request.uri.path) answers \(methods.joined(separator: ", ")), not \(request.method)"
            )
            answer.headers[.allow] = methods.joined(separator: ", ")
            return answer.response()
        } catch {
            let answer = ServiceError(error)
            if answer.reason == "credentials" {
                let account = request.uri.queryParameters["account"].map(String.init) ?? "default"
                await events.publish("auth.problem", ["account": account, "message": answer.message])
                await audit.record(
                    AuditEntry(
                        action: "auth.credential_failed",
                        request: request,
                        context: context,
                        account: account,
                        result: Int(answer.status.code)
                    )
                )
            }
            if answer.status.code >= 500 {
                context.logger.error(
                    "request failed",
                    metadata: ["http.route": "\(context.endpointPath ?? "-")", "error": "\(String(reflecting: error))"]
                )
            }
            return answer.response()
        }
    }
}

/// Requires `Authorization: Bearer KEY` with a key `drivesync serve keys create` made; the key's name goes
/// into the context for the audit log. A missing or unknown key is refused (401) and audited.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let keys: APIKeyRing
    let audit: AuditLog

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        var context = context
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
            let name = try await keys.name(
                of: String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            )
        else {
            await audit.record(
                AuditEntry(action: "auth.rejected_key", request: request, context: context, result: 401)
            )
            throw ServiceError(
                .unauthorized,
                reason: "apiKey",
                message:
                    "this route needs Authorization: Bearer KEY with a key from drivesync serve keys create NAME"
            )
        }
        context.keyName = name
        return try await next(request, context)
    }
}

/// The keys, read again from their file at most once a second, so a key revoked by another process stops
/// working within a second without a read per request.
actor APIKeyRing {
    private let store: APIKeyStore
    private var keys: [APIKeyStore.Key] = []
    private var loaded: ContinuousClock.Instant?

    init(store: APIKeyStore) { self.store = store }

    func name(of secret: String) async throws -> String? {
        let now = ContinuousClock.now
        if loaded.map({ now - $0 > .seconds(1) }) ?? true {
            keys = try await store.keys()
            loaded = now
        }
        return store.name(of: secret, in: keys)
    }
}

/// Counts requests by route, method and status, and times them: names from the route pattern, never
/// from a path or file name.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let metrics: RequestMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.record(
            route: context.endpointPath ?? "unmatched",
            method: request.method.rawValue,
            status: response.status.code,
            duration: ContinuousClock.now - start
        )
        return response
    }
}

/// The service's request metrics, each counter and timer made once per route, method and status.
final class RequestMetrics: Sendable {
    private struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }
    private let made = Mutex<[Key: (Counter, Timer)]>([:])

    func record(route: String, method: String, status: Int, duration: Duration) {
        let key = Key(route: route, method: method, status: status)
        let (counter, timer) = made.withLock { made in
            if let known = made[key] { return known }
            let dimensions = [("route", route), ("method", method), ("status", String(status))]
            let pair = (
                Counter(label: "drivesync_http_requests_total", dimensions: dimensions),
                Timer(label: "drivesync_http_request_duration_seconds", dimensions: dimensions)
            )
            made[key] = pair
            return pair
        }
        counter.increment()
        timer.record(duration: duration)
    }
}
