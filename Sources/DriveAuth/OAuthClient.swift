public import AsyncHTTPClient
public import DriveSyncCore
import Foundation
import NIOCore
import NIOHTTP1

/// What a token endpoint answers.
public struct TokenGrant: Sendable, Hashable, Decodable {
    public var accessToken: String
    public var expiresIn: Int?
    public var refreshToken: String?
    public var scope: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case scope
    }
}

/// A device-flow start: the code to show the user and where they enter it.
public struct DeviceAuthorization: Sendable, Hashable, Decodable {
    public var deviceCode: String
    public var userCode: String
    public var verificationURL: String
    public var expiresIn: Int
    public var interval: Int?

    enum CodingKeys: String, CodingKey {
        case deviceCode = "device_code"
        case userCode = "user_code"
        case verificationURL = "verification_url"
        case verificationURI = "verification_uri"
        case expiresIn = "expires_in"
        case interval
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deviceCode = try container.decode(String.self, forKey: .deviceCode)
        userCode = try container.decode(String.self, forKey: .userCode)
        // Google says verification_url; RFC 8628 says verification_uri.
        verificationURL =
            try container.decodeIfPresent(String.self, forKey: .verificationURL)
            ?? container.decode(String.self, forKey: .verificationURI)
        expiresIn = try container.decode(Int.self, forKey: .expiresIn)
        interval = try container.decodeIfPresent(Int.self, forKey: .interval)
    }
}

/// An OAuth error answer (`{"error": "invalid_grant", "error_description": "..."}`) or a failed exchange.
public struct OAuthError: Error, CustomStringConvertible, Sendable, CredentialAwareError {
    public var code: String
    public var message: String
    public var status: Int?

    public var description: String { "OAuth \(code)\(status.map { " (\($0))" } ?? ""): \(message)" }

    /// `invalid_grant` and `invalid_client` mean the credentials will not work again.
    public var credentialProblem: CredentialProblem? {
        ["invalid_grant", "invalid_client", "unauthorized_client", "access_denied"].contains(code) ? .rejected : nil
    }
}

/// The token endpoint conversations of every flow: code exchange (with the PKCE verifier), refresh,
/// device authorization and polling, the JWT bearer grant, and revocation.
public struct OAuthClient: Sendable {
    public let endpoints: OAuthEndpoints
    public let clientID: String?
    public let clientSecret: String?
    let http: HTTPClient

    public init(endpoints: OAuthEndpoints, clientID: String?, clientSecret: String?, httpClient: HTTPClient = .shared) {
        self.endpoints = endpoints
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.http = httpClient
    }

    private var clientFields: [(String, String)] {
        [("client_id", clientID), ("client_secret", clientSecret)].compactMap { name, value in value.map { (name, $0) }
        }
    }

    public func exchange(code: String, verifier: String, redirectURI: String) async throws -> TokenGrant {
        try await post(
            endpoints.token,
            [
                ("grant_type", "authorization_code"), ("code", code), ("code_verifier", verifier),
                ("redirect_uri", redirectURI),
            ] + clientFields
        )
    }

    public func refresh(_ refreshToken: String) async throws -> TokenGrant {
        try await post(
            endpoints.token,
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken)] + clientFields
        )
    }

    public func bearer(assertion: String) async throws -> TokenGrant {
        try await post(
            endpoints.token,
            [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)]
        )
    }

    public func startDeviceAuthorization(scopes: [String]) async throws -> DeviceAuthorization {
        try await post(endpoints.deviceCode, [("scope", scopes.joined(separator: " "))] + clientFields)
    }

    /// Polls until the user approves or denies, waiting `interval` seconds between polls and five more
    /// after each `slow_down` (RFC 8628 §3.5). `sleep` is injected so tests never wait.
    public func pollDevice(
        _ authorization: DeviceAuthorization,
        sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async throws -> TokenGrant {
        var interval = authorization.interval ?? 5
        var waited = 0
        while waited <= authorization.expiresIn {
            try await sleep(.seconds(interval))
            waited += interval
            do {
                return try await post(
                    endpoints.token,
                    [
                        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                        ("device_code", authorization.deviceCode),
                    ] + clientFields
                )
            } catch let error as OAuthError where error.code == "authorization_pending" {
                continue
            } catch let error as OAuthError where error.code == "slow_down" {
                interval += 5
            }
        }
        throw OAuthError(code: "expired_token", message: "the code was not approved in time; run the login again")
    }

    public func revoke(_ token: String) async throws {
        let _: Empty = try await post(endpoints.revoke, [("token", token)])
    }

    private struct Empty: Decodable {}

    private struct ErrorAnswer: Decodable {
        var error: String?
        var error_description: String?
    }

    private func post<Answer: Decodable>(_ url: String, _ form: [(String, String)]) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let body = form.map { "\(QueryEncoding.percentEncode($0.0))=\(QueryEncoding.percentEncode($0.1))" }.joined(
            separator: "&"
        )
        request.body = .bytes(ByteBuffer(string: body))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(30))
        } catch {
            throw OAuthError(code: "unreachable", message: "\(url) did not answer: \(error)")
        }
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let data = Data(bytes.readableBytesView)
        guard response.status.code < 300 else {
            let failure = try? JSONDecoder().decode(ErrorAnswer.self, from: data)
            throw OAuthError(
                code: failure?.error ?? "http_\(response.status.code)",
                message: failure?.error_description ?? "HTTP \(response.status.code)",
                status: Int(response.status.code)
            )
        }
        if Answer.self == Empty.self, let empty = Empty() as? Answer { return empty }
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw OAuthError(
                code: "invalid_response",
                message: "\(url) answered something that is not a token: \(error)"
            )
        }
    }
}
