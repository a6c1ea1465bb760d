import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/drive/auth/*`: connecting an account on the web (consent with PKCE, a callback that stores the
/// credential encrypted as `drivesync auth login` does), the accounts and whether each works, and
/// revoking one.
struct AccountRoutes {
    let connections: DriveConnections
    let jobs: DriveJobs
    let audit: AuditLog
    let connect: WebConnect
    let probe: ReadinessProbe
    /// The callback as the provider reaches it.
    let callbackURL: @Sendable () -> String

    func register(authenticated router: RouterGroup<ServiceRequestContext>, open: RouterGroup<ServiceRequestContext>) {
        router.get("auth/start", use: start)
        router.get("auth/accounts", use: list)
        router.delete("auth/accounts/:name", use: revoke)
        open.get("auth/callback", use: callback)
    }

    @Sendable func start(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let account = query.string("account") else {
            throw ServiceError(.badRequest, reason: "required", message: "name the account: ?account=NAME")
        }
        let url: String
        do {
            url = try await connect.begin(
                account: account,
                scope: query.string("scope") ?? "drive.file",
                redirectURI: callbackURL()
            )
        } catch let error as WebConnect.Failure {
            throw ServiceError(.badRequest, reason: error.code.description, message: error.description)
        } catch let error as any CredentialAwareError where error.credentialProblem != nil {
            // Before any consent, a credential problem is the account's configuration (no client id).
            throw ServiceError(.badRequest, reason: "oauthClient", message: error.description)
        }
        await audit.record(
            AuditEntry(action: "auth.start", request: request, context: context, account: account, result: 302)
        )
        return Response(status: .found, headers: [.location: url, .cacheControl: "no-store"])
    }

    /// The provider's redirect: no API key (the browser brings none), only the single-use `state`.
    @Sendable func callback(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        do {
            let connected = try await connect.finish(
                state: query.string("state"),
                code: query.string("code"),
                error: query.string("error")
            )
            await connections.forget(account: connected.account)
            // Its feed is followed from now on: a channel opened, its start noted.
            try? await jobs.startWatching()
            await audit.record(
                AuditEntry(
                    action: "auth.connect",
                    request: request,
                    context: context,
                    account: connected.account,
                    result: 200
                )
            )
            return ResultPage.response(
                .ok,
                title: "Drive connected",
                message:
                    "DriveSync can now use \(connected.email ?? "the account") as \(connected.account) (\(connected.scopes)). You can close this page."
            )
        } catch {
            let answer =
                if let failure = error as? WebConnect.Failure {
                    ServiceError(
                        failure.code == .denied ? .forbidden : .badRequest,
                        reason: failure.code.description,
                        message: failure.description
                    )
                } else {
                    ServiceError(error)
                }
            await audit.record(
                AuditEntry(
                    action: "auth.connect",
                    request: request,
                    context: context,
                    result: Int(answer.status.code),
                    reason: answer.reason
                )
            )
            return ResultPage.response(answer.status, title: "Drive not connected", message: answer.message)
        }
    }

    struct Account: Encodable {
        var name: String
        var isDefault: Bool
        var credentials: String
        var who: String?
        var scopes: String?
        /// Whether the last probe reached Drive with this account.
        var works: Bool
        var problem: String?

        enum CodingKeys: String, CodingKey {
            case name, credentials, who, scopes, works, problem
            case isDefault = "default"
        }
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let checks = await probe.checks()
        let accounts = try await connections.driveSync.accountStatuses().map { status in
            let check = checks["drive:" + status.name]
            var account = Account(
                name: status.name,
                isDefault: status.isDefault,
                credentials: "none",
                works: check?.status == "ok",
                problem: check?.detail
            )
            switch status.credentials {
            case .fixedToken: account.credentials = "access_token"
            case .notSignedIn: account.credentials = "none"
            case .signedIn(let who, let scopes, _, _):
                account.credentials = "oauth"
                account.who = who
                account.scopes = scopes
            case .unreadable: account.credentials = "unreadable"
            }
            return account
        }
        return try JSONAnswer.response(["accounts": accounts])
    }

    @Sendable func revoke(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard try await connections.driveSync.accountNames().contains(name) else {
            throw ServiceError(.notFound, reason: "unknownAccount", message: "no account called '\(name)'")
        }
        _ = try await audit.recording("auth.revoke", request, context, account: name, success: .noContent) {
            await jobs.stopWatching(account: name)
            return try await connections.driveSync.logout(name)
        }
        await connections.forget(account: name)
        await probe.forget()
        return Response(status: .noContent)
    }
}

/// The small HTML page a browser lands on after connecting an account.
enum ResultPage {
    static func response(_ status: HTTPResponse.Status, title: String, message: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title></head>
            <body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
            <h1>\(escape(title))</h1><p>\(escape(message))</p></body></html>
            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
