import Crypto
import DriveEmulator
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import _CryptoExtras

func form(_ pairs: [String: String]) -> ByteBuffer {
    ByteBuffer(
        string: pairs.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        }.joined(separator: "&")
    )
}

func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

extension RunningEmulator {
    func postForm(_ path: String, _ pairs: [String: String]) async throws -> RunningEmulator.Reply {
        try await send(
            .POST,
            path,
            headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: form(pairs),
            authorized: false
        )
    }
}

struct OAuthTests {
    static let scope = "https://www.googleapis.com/auth/drive"

    @Test func loopbackFlowWithPKCEThenRefreshExpiryAndRevoke() async throws {
        let (clock, control) = EmulatorClock.manual(startingAt: Date())
        try await withRunningEmulator(
            configuration: .init(users: [.init(email: "u@example.com", token: "fixed")], clock: clock)
        ) { drive in
            let verifier = String(repeating: "v", count: 43)
            let challenge = base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
            let redirectURI = "http://127.0.0.1:53682/"
            let authorize = try await drive.send(
                .GET,
                "/o/oauth2/v2/auth?client_id=cid&redirect_uri=\(redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&response_type=code&scope=\(Self.scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&code_challenge=\(challenge)&code_challenge_method=S256&state=nonce1&access_type=offline",
                authorized: false
            )
            #expect(authorize.status == 302)
            let header = try #require(authorize.header("Location"))
            let location = try #require(URLComponents(string: header))
            #expect(location.port == 53682)
            let items = Dictionary(uniqueKeysWithValues: (location.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(items["state"] == "nonce1")
            let code = try #require(items["code"])

            let wrongVerifier = try await drive.postForm(
                "/token",
                [
                    "grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI, "client_id": "cid",
                    "client_secret": "s", "code_verifier": String(repeating: "w", count: 43),
                ]
            )
            #expect(wrongVerifier.status == 400)
            #expect(wrongVerifier.text.contains("invalid_grant"))
            // A code is single-use, even after a failed exchange: start over.
            let second = try await drive.send(
                .GET,
                "/o/oauth2/v2/auth?client_id=cid&redirect_uri=\(redirectURI.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&response_type=code&scope=\(Self.scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&code_challenge=\(challenge)&code_challenge_method=S256&state=n2&access_type=offline",
                authorized: false
            )
            let secondCode = try #require(
                URLComponents(string: second.header("Location")!)?.queryItems?.first { $0.name == "code" }?.value
            )
            let exchanged = try json(
                try await drive.postForm(
                    "/token",
                    [
                        "grant_type": "authorization_code", "code": secondCode, "redirect_uri": redirectURI,
                        "client_id": "cid", "client_secret": "s", "code_verifier": verifier,
                    ]
                )
            )
            let access = try #require(exchanged["access_token"] as? String)
            let refresh = try #require(exchanged["refresh_token"] as? String)
            #expect(exchanged["expires_in"] as? Int == 3599)
            #expect(exchanged["token_type"] as? String == "Bearer")

            let asUser = [("Authorization", "Bearer \(access)")]
            #expect(try await drive.send(.GET, "/drive/v3/about?fields=user", headers: asUser).status == 200)
            control.advance(by: 3600)
            let expired = try await drive.send(.GET, "/drive/v3/about?fields=user", headers: asUser)
            #expect(expired.status == 401)
            #expect(expired.text.contains("authError"))

            let refreshed = try json(
                try await drive.postForm(
                    "/token",
                    ["grant_type": "refresh_token", "refresh_token": refresh, "client_id": "cid", "client_secret": "s"]
                )
            )
            let newAccess = try #require(refreshed["access_token"] as? String)
            #expect(refreshed["refresh_token"] == nil)
            #expect(
                try await drive.send(
                    .GET,
                    "/drive/v3/about?fields=user",
                    headers: [("Authorization", "Bearer \(newAccess)")]
                ).status == 200
            )
            let info = try json(try await drive.send(.GET, "/tokeninfo?access_token=\(newAccess)", authorized: false))
            #expect(info["email"] as? String == "u@example.com")

            #expect(try await drive.postForm("/revoke", ["token": refresh]).status == 200)
            #expect(
                try await drive.send(
                    .GET,
                    "/drive/v3/about?fields=user",
                    headers: [("Authorization", "Bearer \(newAccess)")]
                ).status == 401,
                "revoking a refresh token revokes its access tokens"
            )
            let afterRevoke = try await drive.postForm(
                "/token",
                ["grant_type": "refresh_token", "refresh_token": refresh, "client_id": "cid"]
            )
            #expect(afterRevoke.status == 400)
            #expect(afterRevoke.text.contains("invalid_grant"))
            #expect(try await drive.postForm("/revoke", ["token": "nonsense"]).status == 400)
        }
    }

    @Test func mismatchedRedirectAndUnsupportedResponseType() async throws {
        try await withRunningEmulator { drive in
            let reply = try await drive.send(
                .GET,
                "/o/oauth2/v2/auth?client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2F&response_type=token&state=s",
                authorized: false
            )
            #expect(reply.header("Location")?.contains("error=unsupported_response_type") == true)
            let good = try await drive.send(
                .GET,
                "/o/oauth2/v2/auth?client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2F&response_type=code&state=s",
                authorized: false
            )
            let code = try #require(
                URLComponents(string: good.header("Location")!)?.queryItems?.first { $0.name == "code" }?.value
            )
            let exchange = try await drive.postForm(
                "/token",
                [
                    "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:2/",
                    "client_id": "c",
                ]
            )
            #expect(exchange.text.contains("redirect_uri_mismatch"))
        }
    }

    @Test func deviceFlowPollsPolitelyUntilApproved() async throws {
        let (clock, control) = EmulatorClock.manual(startingAt: Date())
        try await withRunningEmulator(configuration: .init(clock: clock)) { drive in
            #expect(
                try await drive.postForm("/device/code", ["client_id": "c", "scope": Self.scope]).status == 400,
                "the device flow cannot get full drive scope"
            )
            let started = try json(
                try await drive.postForm(
                    "/device/code",
                    ["client_id": "c", "scope": "https://www.googleapis.com/auth/drive.file"]
                )
            )
            let deviceCode = try #require(started["device_code"] as? String)
            let userCode = try #require(started["user_code"] as? String)
            #expect((started["verification_url"] as? String)?.hasPrefix(drive.baseURL) == true)
            let poll = [
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": deviceCode,
                "client_id": "c", "client_secret": "s",
            ]
            #expect(try await drive.postForm("/token", poll).text.contains("authorization_pending"))
            #expect(try await drive.postForm("/token", poll).text.contains("slow_down"))
            control.advance(by: 10)
            #expect(try await drive.postForm("/token", poll).text.contains("authorization_pending"))
            #expect(try await drive.send(.GET, "/device?user_code=\(userCode)", authorized: false).status == 200)
            control.advance(by: 10)
            let granted = try json(try await drive.postForm("/token", poll))
            let access = try #require(granted["access_token"] as? String)
            #expect(granted["refresh_token"] != nil)
            #expect(
                try await drive.send(.GET, "/drive/v3/files", headers: [("Authorization", "Bearer \(access)")]).status
                    == 200
            )
        }
    }

    @Test func serviceAccountJWTIsVerified() async throws {
        try await withRunningEmulator(configuration: .init(users: [.init(email: "boss@example.com", token: "t")])) {
            drive in
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            try drive.emulator.addServiceAccount(
                email: "robot@project.iam.gserviceaccount.com",
                publicKeyPEM: key.publicKey.pemRepresentation
            )
            func assertion(signedWith signer: _RSA.Signing.PrivateKey, subject: String? = nil) throws -> String {
                let now = Int(Date().timeIntervalSince1970)
                let header = base64URL(Data(#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#.utf8))
                var claims =
                    #"{"iss":"robot@project.iam.gserviceaccount.com","scope":"https://www.googleapis.com/auth/drive","aud":"https://oauth2.googleapis.com/token","iat":\#(now),"exp":\#(now + 3600)"#
                if let subject { claims += #","sub":"\#(subject)""# }
                let input = header + "." + base64URL(Data((claims + "}").utf8))
                let signature = try signer.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
                return input + "." + base64URL(signature.rawRepresentation)
            }
            let grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
            let token = try json(
                try await drive.postForm("/token", ["grant_type": grant, "assertion": try assertion(signedWith: key)])
            )
            let access = try #require(token["access_token"] as? String)
            #expect(token["refresh_token"] == nil)
            let upload = try await drive.send(
                .POST,
                "/upload/drive/v3/files?uploadType=media",
                headers: [("Authorization", "Bearer \(access)")],
                body: ByteBuffer(string: "x")
            )
            #expect(upload.status == 403)
            #expect(upload.text.contains("storageQuotaExceeded"), "service accounts have no storage of their own")

            let delegated = try json(
                try await drive.postForm(
                    "/token",
                    ["grant_type": grant, "assertion": try assertion(signedWith: key, subject: "boss@example.com")]
                )
            )
            let about = try json(
                try await drive.send(
                    .GET,
                    "/drive/v3/about?fields=user",
                    headers: [("Authorization", "Bearer \(delegated["access_token"] as! String)")]
                )
            )
            #expect((about["user"] as? [String: Any])?["emailAddress"] as? String == "boss@example.com")

            let forged = try await drive.postForm(
                "/token",
                [
                    "grant_type": grant,
                    "assertion": try assertion(signedWith: try _RSA.Signing.PrivateKey(keySize: .bits2048)),
                ]
            )
            #expect(forged.status == 400)
            #expect(forged.text.contains("Invalid JWT Signature"))
        }
    }
}
