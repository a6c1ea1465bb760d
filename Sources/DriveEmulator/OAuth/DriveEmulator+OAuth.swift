import Crypto
import DriveSyncCore
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Authorisation codes and device codes waiting to be exchanged (ten and thirty minutes at most).
struct PendingAuthorizations: Sendable {
    struct Code: Sendable {
        var user: String
        var clientId: String
        var redirectUri: String
        var scopes: [String]
        var challenge: String?
        var challengeMethod: String
        var offline: Bool
        var expiresAt: Int64
    }

    struct Device: Sendable {
        enum Decision: Sendable {
            case pending
            case approved(String)
            case denied
        }
        var userCode: String
        var clientId: String
        var scopes: [String]
        var interval: Int64
        var expiresAt: Int64
        var lastPoll: Int64?
        var decision = Decision.pending
    }

    var codes: [String: Code] = [:]
    var devices: [String: Device] = [:]
}

/// The OAuth 2.0 endpoints Google serves at accounts.google.com and oauth2.googleapis.com: authorization
/// (a test user approves at once), token (code + PKCE, refresh, device, JWT bearer), device code, revoke,
/// tokeninfo. Errors use the OAuth shape: `{"error": "...", "error_description": "..."}`.
extension DriveEmulator {
    static let googleTokenURL = "https://oauth2.googleapis.com/token"

    struct OAuthError: Error {
        var status: HTTPResponse.Status = .badRequest
        var error: String
        var description: String

        var response: Response {
            var object = JSONObjectBuilder()
            object.add("error", error)
            object.add("error_description", description)
            return DriveResponse.json(object.value, status: status, pretty: true)
        }
    }

    func respondToOAuth(_ endpoint: Endpoint, request: EmulatorRequest) async -> Response {
        do {
            switch endpoint {
            case .oauthAuthorize: return try authorize(request)
            case .oauthToken: return try await token(request)
            case .oauthDeviceCode: return try await deviceCode(request)
            case .oauthDeviceVerification: return try deviceVerification(request)
            case .oauthRevoke: return try await revoke(request)
            case .oauthTokenInfo: return try await tokenInfo(request)
            default: throw OAuthError(status: .notFound, error: "not_found", description: "Unknown OAuth endpoint.")
            }
        } catch let error as OAuthError {
            return error.response
        } catch let error as DriveError {
            return error.response(pretty: true)
        } catch {
            return OAuthError(error: "invalid_request", description: "\(error)").response
        }
    }

    /// The user who approves a consent: `login_hint` when it names a user, else the first person.
    private func approvingUser(hint: String?) -> String? {
        store.read { state in
            if let hint, state.users[hint]?.isServiceAccount == false { return hint }
            return state.users.values.filter { !$0.isServiceAccount }.map(\.email).sorted().first
        }
    }

    private func authorize(_ request: EmulatorRequest) throws -> Response {
        guard let redirectUri = request.parameter("redirect_uri"), let clientId = request.parameter("client_id") else {
            throw OAuthError(
                error: "invalid_request",
                description:
                    "Missing required parameter: \(request.parameter("client_id") == nil ? "client_id" : "redirect_uri")"
            )
        }
        var redirect = redirectUri + (redirectUri.contains("?") ? "&" : "?")
        let state = request.parameter("state").map { "&state=" + QueryEncoding.percentEncode($0) } ?? ""
        guard request.parameter("response_type") == "code" else {
            return Self.redirect(to: redirect + "error=unsupported_response_type" + state)
        }
        let method = request.parameter("code_challenge_method") ?? "plain"
        guard method == "S256" || method == "plain" else {
            throw OAuthError(error: "invalid_request", description: "Invalid code_challenge_method.")
        }
        guard let user = approvingUser(hint: request.parameter("login_hint")) else {
            return Self.redirect(to: redirect + "error=access_denied" + state)
        }
        let scopes = (request.parameter("scope") ?? "").split(separator: " ").map(String.init)
        let code = "4/0" + Identifier.random(count: 40)
        let now = store.clock.milliseconds
        authorizations.withLock {
            $0.codes = $0.codes.filter { $0.value.expiresAt > now }
            $0.codes[code] = .init(
                user: user,
                clientId: clientId,
                redirectUri: redirectUri,
                scopes: scopes,
                challenge: request.parameter("code_challenge"),
                challengeMethod: method,
                offline: request.parameter("access_type") == "offline",
                expiresAt: now + 600_000
            )
        }
        redirect +=
            "code=\(QueryEncoding.percentEncode(code))&scope=\(QueryEncoding.percentEncode(scopes.joined(separator: " ")))"
            + state
        return Self.redirect(to: redirect)
    }

    private static func redirect(to location: String) -> Response {
        Response(status: .found, headers: [.location: location, .contentLength: "0"], body: ResponseBody())
    }

    /// Client credentials come in the form body or as HTTP Basic auth.
    private static func clientCredentials(
        _ form: [String: String],
        _ request: EmulatorRequest
    ) -> (id: String?, secret: String?) {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingSpaces).map({
                String(decoding: $0, as: UTF8.self)
            })
        {
            let parts = decoded.split(separator: ":", maxSplits: 1).map {
                QueryEncoding.percentDecode($0, plusAsSpace: true)
            }
            return (parts.first, parts.count > 1 ? parts[1] : nil)
        }
        return (form["client_id"], form["client_secret"])
    }

    private func token(_ request: EmulatorRequest) async throws -> Response {
        let form = try await request.formBody()
        let client = Self.clientCredentials(form, request)
        let now = store.clock.milliseconds
        switch form["grant_type"] {
        case "authorization_code":
            guard let code = form["code"], let grant = authorizations.withLock({ $0.codes.removeValue(forKey: code) }),
                grant.expiresAt > now
            else {
                throw OAuthError(error: "invalid_grant", description: "Malformed auth code.")
            }
            guard grant.clientId == client.id else {
                throw OAuthError(
                    status: .unauthorized,
                    error: "invalid_client",
                    description: "The OAuth client was not found."
                )
            }
            guard form["redirect_uri"] == grant.redirectUri else {
                throw OAuthError(error: "redirect_uri_mismatch", description: "Bad Request")
            }
            if let challenge = grant.challenge {
                guard let verifier = form["code_verifier"],
                    Self.pkceChallenge(verifier, method: grant.challengeMethod) == challenge
                else {
                    throw OAuthError(error: "invalid_grant", description: "Invalid code verifier.")
                }
            }
            return try issueTokens(
                user: grant.user,
                scopes: grant.scopes,
                clientId: grant.clientId,
                withRefreshToken: grant.offline
            )
        case "refresh_token":
            guard let refresh = form["refresh_token"], let record = store.read({ $0.refreshTokens[refresh] }) else {
                throw OAuthError(error: "invalid_grant", description: "Token has been expired or revoked.")
            }
            if let clientId = record.clientId, let given = client.id, given != clientId {
                throw OAuthError(status: .unauthorized, error: "unauthorized_client", description: "Unauthorized")
            }
            return try issueTokens(
                user: record.user,
                scopes: record.scopes,
                clientId: record.clientId,
                withRefreshToken: false,
                refreshToken: refresh
            )
        case "urn:ietf:params:oauth:grant-type:device_code":
            return try pollDevice(form, client: client, now: now)
        case "urn:ietf:params:oauth:grant-type:jwt-bearer":
            guard let assertion = form["assertion"] else {
                throw OAuthError(error: "invalid_request", description: "Missing assertion.")
            }
            let (user, scopes) = try verifyServiceAccountAssertion(assertion, request: request, now: now)
            return try issueTokens(user: user, scopes: scopes, clientId: nil, withRefreshToken: false)
        default:
            throw OAuthError(
                error: "unsupported_grant_type",
                description: "Invalid grant_type: \(form["grant_type"] ?? "")"
            )
        }
    }

    private func issueTokens(
        user: String,
        scopes: [String],
        clientId: String?,
        withRefreshToken: Bool,
        refreshToken existing: String? = nil
    ) throws -> Response {
        let lifetime = Int64(configuration.accessTokenLifetime)
        let access = "ya29." + Identifier.random(count: 60)
        var refresh = existing
        try store.write { state, journal in
            if withRefreshToken {
                let token = "1//0" + Identifier.random(count: 60)
                let record = RefreshTokenRecord(token: token, user: user, scopes: scopes, clientId: clientId)
                state.refreshTokens[token] = record
                journal.save(.refreshToken, token, record)
                refresh = token
            }
            let record = AccessTokenRecord(
                token: access,
                user: user,
                scopes: scopes,
                expiresAt: state.now + lifetime * 1000,
                clientId: clientId,
                refreshToken: refresh
            )
            state.accessTokens[access] = record
            journal.save(.accessToken, access, record)
        }
        var object = JSONObjectBuilder()
        object.add("access_token", access)
        object.add("expires_in", JSONValue.int(lifetime))
        if withRefreshToken { object.add("refresh_token", refresh) }
        object.add("scope", scopes.joined(separator: " "))
        object.add("token_type", "Bearer")
        return DriveResponse.json(object.value, pretty: true)
    }

    /// RFC 7636: S256 is BASE64URL-NOPAD(SHA256(verifier)); plain is the verifier itself.
    static func pkceChallenge(_ verifier: String, method: String) -> String {
        guard method == "S256" else { return verifier }
        return Base64URL.encode(SHA256.hash(data: Data(verifier.utf8)))
    }

    // MARK: Device flow

    private func deviceCode(_ request: EmulatorRequest) async throws -> Response {
        let form = try await request.formBody()
        guard let clientId = form["client_id"] else {
            throw OAuthError(
                status: .unauthorized,
                error: "invalid_client",
                description: "The OAuth client was not found."
            )
        }
        let scopes = (form["scope"] ?? "").split(separator: " ").map(String.init)
        let allowed: Set<String> = [Scopes.file, Scopes.appData, "openid", "email", "profile"]
        guard scopes.allSatisfy(allowed.contains) else {
            throw OAuthError(
                error: "invalid_scope",
                description:
                    "Invalid device flow scope: \(scopes.filter { !allowed.contains($0) }.joined(separator: " "))"
            )
        }
        let deviceCode = "AH-1Ng" + Identifier.random(count: 40)
        let letters = Array("BCDFGHJKLMNPQRSTVWXZ")
        var generator = SystemRandomNumberGenerator()
        let userCode = String((0..<8).map { _ in letters[Int(generator.next() % UInt64(letters.count))] }).enumerated()
            .map { $0.offset == 4 ? "-\($0.element)" : String($0.element) }.joined()
        let now = store.clock.milliseconds
        authorizations.withLock {
            $0.devices[deviceCode] = .init(
                userCode: userCode,
                clientId: clientId,
                scopes: scopes,
                interval: 5,
                expiresAt: now + 1_800_000
            )
        }
        var object = JSONObjectBuilder()
        object.add("device_code", deviceCode)
        object.add("user_code", userCode)
        object.add("expires_in", JSONValue.int(1800))
        object.add("interval", JSONValue.int(5))
        object.add("verification_url", "\(request.origin.base)/device")
        return DriveResponse.json(object.value, pretty: true)
    }

    /// `GET /device?user_code=X[&approve=false][&user=EMAIL]`: the test user's consent page.
    private func deviceVerification(_ request: EmulatorRequest) throws -> Response {
        guard let userCode = request.parameter("user_code")?.uppercased() else {
            throw OAuthError(
                error: "invalid_request",
                description: "Enter the code shown on your device: /device?user_code=XXXX-XXXX"
            )
        }
        let approve = request.flag("approve", default: true)
        let user = approvingUser(hint: request.parameter("user"))
        let found = authorizations.withLock { pending -> Bool in
            guard let key = pending.devices.first(where: { $0.value.userCode == userCode })?.key else { return false }
            pending.devices[key]?.decision = approve ? (user.map { .approved($0) } ?? .denied) : .denied
            return true
        }
        guard found else {
            throw OAuthError(status: .notFound, error: "invalid_request", description: "Unknown user code.")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=UTF-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: approve ? "Access granted.\n" : "Access denied.\n"))
        )
    }

    private func pollDevice(
        _ form: [String: String],
        client: (id: String?, secret: String?),
        now: Int64
    ) throws -> Response {
        guard client.secret != nil else {
            throw OAuthError(status: .unauthorized, error: "invalid_client", description: "client_secret is missing.")
        }
        guard let code = form["device_code"], let device = authorizations.withLock({ $0.devices[code] }),
            device.clientId == client.id
        else {
            throw OAuthError(error: "invalid_grant", description: "Malformed device code.")
        }
        guard device.expiresAt > now else {
            authorizations.withLock { _ = $0.devices.removeValue(forKey: code) }
            throw OAuthError(status: .badRequest, error: "expired_token", description: "Expired")
        }
        switch device.decision {
        case .denied:
            authorizations.withLock { _ = $0.devices.removeValue(forKey: code) }
            throw OAuthError(status: .forbidden, error: "access_denied", description: "Forbidden")
        case .approved(let user):
            authorizations.withLock { _ = $0.devices.removeValue(forKey: code) }
            return try issueTokens(user: user, scopes: device.scopes, clientId: device.clientId, withRefreshToken: true)
        case .pending:
            let tooSoon = device.lastPoll.map { now - $0 < device.interval * 1000 } ?? false
            authorizations.withLock {
                $0.devices[code]?.lastPoll = now
                if tooSoon { $0.devices[code]?.interval += 5 }
            }
            if tooSoon { throw OAuthError(status: .tooManyRequests, error: "slow_down", description: "Forbidden") }
            throw OAuthError(
                status: .preconditionRequired,
                error: "authorization_pending",
                description: "Precondition Required"
            )
        }
    }

    // MARK: Service accounts

    /// Verifies an RS256 JWT from a registered service account; returns the user the token acts for.
    private func verifyServiceAccountAssertion(
        _ assertion: String,
        request: EmulatorRequest,
        now: Int64
    ) throws -> (String, [String]) {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]),
            let claimsData = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2]),
            let header = JSONValue.parse(headerData), let claims = JSONValue.parse(claimsData)
        else { throw OAuthError(error: "invalid_grant", description: "Invalid JWT: malformed.") }
        guard header["alg"]?.stringValue == "RS256" else {
            throw OAuthError(error: "invalid_grant", description: "Invalid JWT: alg must be RS256.")
        }
        guard let issuer = claims["iss"]?.stringValue, let account = store.read({ $0.users[issuer] }),
            let pem = account.publicKeyPEM
        else {
            throw OAuthError(error: "invalid_grant", description: "Invalid JWT: unknown issuer.")
        }
        let key = try _RSA.Signing.PublicKey(pemRepresentation: pem)
        let signed = Data((parts[0] + "." + parts[1]).utf8)
        guard
            key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: signed,
                padding: .insecurePKCS1v1_5
            )
        else {
            throw OAuthError(error: "invalid_grant", description: "Invalid JWT Signature.")
        }
        // Google's libraries put Google's token URL in aud even when the token is requested elsewhere.
        let audience = claims["aud"]?.stringValue
        guard
            audience == Self.googleTokenURL || audience == "\(request.origin.base)/token"
                || audience == "\(request.origin.base)\(request.path)"
        else {
            throw OAuthError(error: "invalid_grant", description: "Invalid JWT: aud must be the token URL.")
        }
        guard let issuedAt = claims["iat"]?.int64Value, let expiry = claims["exp"]?.int64Value, expiry > issuedAt,
            expiry - issuedAt <= 3600,
            expiry * 1000 > now, issuedAt * 1000 <= now + 300_000
        else {
            throw OAuthError(
                error: "invalid_grant",
                description:
                    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
            )
        }
        let scopes = (claims["scope"]?.stringValue ?? "").split(separator: " ").map(String.init)
        guard !scopes.isEmpty else {
            throw OAuthError(error: "invalid_scope", description: "Empty or missing scope not allowed.")
        }
        if let subject = claims["sub"]?.stringValue, subject != issuer {
            guard store.read({ $0.users[subject] }) != nil else {
                throw OAuthError(
                    status: .unauthorized,
                    error: "unauthorized_client",
                    description:
                        "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."
                )
            }
            return (subject, scopes)
        }
        return (issuer, scopes)
    }

    // MARK: Revoke and tokeninfo

    private func revoke(_ request: EmulatorRequest) async throws -> Response {
        let form = try await request.formBody()
        guard let token = form["token"] ?? request.parameter("token") else {
            throw OAuthError(error: "invalid_request", description: "Missing token.")
        }
        let revoked = try store.write { state, journal -> Bool in
            if state.refreshTokens.removeValue(forKey: token) != nil {
                journal.delete(.refreshToken, token)
                for (key, record) in state.accessTokens where record.refreshToken == token {
                    state.accessTokens[key] = nil
                    journal.delete(.accessToken, key)
                }
                return true
            }
            if let record = state.accessTokens[token], record.expiresAt != nil {
                state.accessTokens[token] = nil
                journal.delete(.accessToken, token)
                return true
            }
            return false
        }
        guard revoked else { throw OAuthError(error: "invalid_token", description: "Token expired or revoked") }
        return Response(status: .ok, headers: [.contentLength: "0"], body: ResponseBody())
    }

    private func tokenInfo(_ request: EmulatorRequest) async throws -> Response {
        let form = request.method == .post ? try await request.formBody() : [:]
        guard let token = request.parameter("access_token") ?? form["access_token"],
            let record = store.read({ $0.accessTokens[token] }),
            record.expiresAt.map({ $0 > store.clock.milliseconds }) ?? true
        else { throw OAuthError(error: "invalid_token", description: "Invalid Value") }
        var object = JSONObjectBuilder()
        object.add("azp", record.clientId)
        object.add("aud", record.clientId)
        object.add("scope", record.scopes.joined(separator: " "))
        if let expiresAt = record.expiresAt {
            object.add("exp", String(expiresAt / 1000))
            object.add("expires_in", String(max(0, (expiresAt - store.clock.milliseconds) / 1000)))
        }
        object.add("email", record.user)
        object.add("email_verified", "true")
        object.add("access_type", record.refreshToken == nil ? "online" : "offline")
        return DriveResponse.json(object.value, pretty: true)
    }
}
