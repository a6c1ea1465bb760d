public import AsyncHTTPClient
import DriveSyncCore
public import Foundation
import Hummingbird
import Logging
import NIOCore

/// The ways to sign an account in, each ending with the credential stored encrypted.
public struct LoginFlows: Sendable {
    public let store: CredentialStore
    let http: HTTPClient
    let now: @Sendable () -> Date

    public init(
        store: CredentialStore,
        httpClient: HTTPClient = .shared,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.http = httpClient
        self.now = now
    }

    /// Who is signing in, where, with which client and scope.
    public struct Request: Sendable {
        public var account: String
        /// The Drive API base URL; `nil` is Google.
        public var endpoint: String?
        public var clientID: String?
        public var clientSecret: String?
        public var scope: DriveScope

        public init(
            account: String,
            endpoint: String? = nil,
            clientID: String? = nil,
            clientSecret: String? = nil,
            scope: DriveScope = .file
        ) {
            self.account = account
            self.endpoint = endpoint
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.scope = scope
        }

        var credential: StoredCredential {
            StoredCredential(
                account: account,
                kind: .user,
                endpoint: endpoint,
                clientID: clientID,
                clientSecret: clientSecret,
                scopes: [scope.url]
            )
        }

        func client(_ http: HTTPClient) -> OAuthClient {
            OAuthClient(
                endpoints: credential.oauthEndpoints,
                clientID: clientID,
                clientSecret: clientSecret,
                httpClient: http
            )
        }
    }

    /// The installed-app flow: a loopback redirect on 127.0.0.1 with a random port, PKCE S256 and a
    /// `state` check. `present` shows (or opens, or — in tests — follows) the consent URL.
    public func loginWithBrowser(
        _ request: Request,
        present: @escaping @Sendable (String) async throws -> Void
    ) async throws -> StoredCredential {
        let (pending, answer) = try await LoopbackRedirect.receive { redirectURI in
            let pending = try beginWebLogin(request, redirectURI: redirectURI)
            try await present(pending.url)
            return pending
        }
        if let error = answer["error"] {
            throw OAuthError(code: error, message: "the sign-in was not completed (\(error))")
        }
        guard answer["state"] == pending.state else {
            throw OAuthError(
                code: "state_mismatch",
                message: "the answer did not come from the sign-in DriveSync started; run the login again"
            )
        }
        guard let code = answer["code"] else {
            throw OAuthError(code: "invalid_request", message: "the redirect carried no code")
        }
        return try await completeWebLogin(pending, code: code)
    }

    /// A web sign-in begun: the consent URL to send the user to, and what its callback needs.
    public struct PendingWebLogin: Sendable {
        public let url: String
        public let state: String
        let request: Request
        let pkce: PKCE
        let redirectURI: String
    }

    /// Begins the web flow (a service's "connect your Drive"): PKCE S256 and a random `state`; the
    /// provider sends the user back to `redirectURI` with them.
    public func beginWebLogin(_ request: Request, redirectURI: String) throws -> PendingWebLogin {
        guard let clientID = request.clientID else {
            throw OAuthError(
                code: "invalid_client",
                message: "no OAuth client id; set client_id in the account's configuration or DRIVESYNC_CLIENT_ID"
            )
        }
        let pkce = PKCE()
        var generator = SystemRandomNumberGenerator()
        let state = PKCE.randomString(count: 43, using: &generator)
        let url = request.credential.oauthEndpoints.authorizationURL(
            clientID: clientID,
            redirectURI: redirectURI,
            scopes: [request.scope.url],
            pkce: pkce,
            state: state
        )
        return PendingWebLogin(url: url, state: state, request: request, pkce: pkce, redirectURI: redirectURI)
    }

    /// Ends the web flow with the code its callback carried: exchanges it (with the PKCE verifier) and
    /// stores the credential.
    public func completeWebLogin(_ pending: PendingWebLogin, code: String) async throws -> StoredCredential {
        let grant = try await pending.request.client(http).exchange(
            code: code,
            verifier: pending.pkce.verifier,
            redirectURI: pending.redirectURI
        )
        return try await finish(pending.request.credential, grant)
    }

    /// The device flow for machines without a browser: `show` tells the user the code and URL; polls
    /// politely, slowing down when asked.
    public func loginWithDevice(
        _ request: Request,
        show: @Sendable (DeviceAuthorization) -> Void,
        sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async throws -> StoredCredential {
        let client = request.client(http)
        let authorization = try await client.startDeviceAuthorization(scopes: [request.scope.url])
        show(authorization)
        return try await finish(request.credential, try await client.pollDevice(authorization, sleep: sleep))
    }

    /// The JWT bearer grant with a service-account key; `subject` for domain-wide delegation.
    public func loginWithServiceAccount(
        _ request: Request,
        key: ServiceAccountKey,
        subject: String?
    ) async throws -> StoredCredential {
        var credential = request.credential
        credential.kind = .serviceAccount
        credential.serviceAccount = key
        credential.subject = subject
        credential.clientID = nil
        credential.clientSecret = nil
        let renewed = try await RefreshingTokenProvider.renewed(credential, client: request.client(http), at: now())
        try await store.save(renewed)
        return renewed
    }

    private func finish(_ credential: StoredCredential, _ grant: TokenGrant) async throws -> StoredCredential {
        var credential = credential
        credential.accept(grant, issuedAt: now())
        if let scope = grant.scope, !scope.isEmpty { credential.scopes = scope.split(separator: " ").map(String.init) }
        guard credential.refreshToken != nil else {
            throw OAuthError(
                code: "invalid_grant",
                message: "no refresh token was issued, so the sign-in would not last; run the login again"
            )
        }
        try await store.save(credential)
        return credential
    }

    /// Revokes the account's grant at the server, then deletes what is stored; the local copy goes even
    /// when the server cannot be reached (said in the returned note).
    public func logout(_ account: String) async throws -> String? {
        guard let credential = try? await store.load(account) else {
            try await store.remove(account)
            return nil
        }
        var note: String?
        if let token = credential.refreshToken ?? credential.accessToken {
            let client = OAuthClient(
                endpoints: credential.oauthEndpoints,
                clientID: credential.clientID,
                clientSecret: credential.clientSecret,
                httpClient: http
            )
            do { try await client.revoke(token) } catch {
                note = "the server did not confirm the revocation (\(error)); the local credentials were deleted anyway"
            }
        }
        try await store.remove(account)
        return note
    }
}

/// What one task of the loopback flow ended with.
enum LoopbackOutcome<Started: Sendable>: Sendable {
    case started(Started)
    case answered([String: String])
    case serverEnded
}

/// Receives the installed-app flow's redirect on 127.0.0.1 and a port the system picks.
enum LoopbackRedirect {
    static let page = """
        <!doctype html><html><head><meta charset="utf-8"><title>DriveSync</title></head>
        <body><p>DriveSync received the answer. You can close this window.</p></body></html>
        """

    /// Serves `/` until one request arrives; `start` gets the redirect URI to put in the consent URL.
    static func receive<Started: Sendable>(
        _ start: @escaping @Sendable (_ redirectURI: String) async throws -> Started
    ) async throws -> (Started, [String: String]) {
        let (answers, answersContinuation) = AsyncStream.makeStream(of: [String: String].self)
        let (ports, portsContinuation) = AsyncStream.makeStream(of: Int.self)
        let router = Router()
        router.get("/") { request, _ -> Response in
            var parameters: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
            answersContinuation.yield(parameters)
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: page))
            )
        }
        var logger = Logger(label: "drivesync.auth.loopback")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portsContinuation.yield(channel.localAddress?.port ?? 0)
                portsContinuation.finish()
            },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: LoopbackOutcome<Started>.self) { group in
            group.addTask {
                try await app.runService()
                return .serverEnded
            }
            var portIterator = ports.makeAsyncIterator()
            guard let port = await portIterator.next(), port > 0 else {
                throw OAuthError(code: "loopback", message: "could not listen on 127.0.0.1")
            }
            let redirectURI = "http://127.0.0.1:\(port)/"
            group.addTask { .started(try await start(redirectURI)) }
            group.addTask {
                for await answer in answers where answer["code"] != nil || answer["error"] != nil {
                    return .answered(answer)
                }
                return .serverEnded
            }
            var started: Started?
            var answer: [String: String]?
            while let outcome = try await group.next() {
                switch outcome {
                case .started(let value): started = value
                case .answered(let value): answer = value
                case .serverEnded: break
                }
                if let started, let answer {
                    group.cancelAll()
                    return (started, answer)
                }
            }
            throw OAuthError(code: "loopback", message: "the sign-in ended without an answer")
        }
    }
}
