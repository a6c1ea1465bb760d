import AsyncHTTPClient
import DriveAPI
import DriveAuth
import DriveEmulator
import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import NIOHTTP1
import Synchronization
import Testing
import _CryptoExtras

/// A credential store in a fresh folder.
func makeStore(environment: [String: String] = [:]) -> (CredentialStore, String) {
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString)").path
    return (
        CredentialStore(folder: home + "/credentials", keyFile: home + "/credentials.key", environment: environment),
        home
    )
}

/// Acts as the user's browser: opens the consent URL and follows its redirect to the loopback receiver,
/// optionally changing the answer on the way.
func follow(_ emulator: RunningEmulator, _ url: String, rewrite: @Sendable (String) -> String = { $0 }) async throws {
    let consent = try await emulator.send(.GET, url, authorized: false)
    let location = try #require(consent.header("location"))
    _ = try await emulator.send(.GET, rewrite(location), authorized: false)
}

func drive(_ emulator: RunningEmulator, _ tokens: any AccessTokenProvider) -> DriveClient {
    DriveClient(
        httpClient: .shared,
        tokens: tokens,
        configuration: .init(baseURL: emulator.baseURL),
        pacer: RequestPacer(configuration: .unlimited)
    )
}

struct AuthFlowTests {
    @Test func pkceChallengeIsS256OfTheVerifier() {
        // The expected value was computed with Python's hashlib and base64.urlsafe_b64encode.
        #expect(
            PKCE.challenge(for: "dBjftJeZ4CVP-mJ92ZJc7V7nw2hePGnpLLAdg3c3XbiYpd2QV6nBN8")
                == "0ylg6q0WoXBeKZQRih1Esl3IgqUoFzImAEqie7Q3F5Y"
        )
        let pkce = PKCE()
        #expect(
            pkce.verifier.count == 64 && pkce.verifier.allSatisfy { $0.isLetter || $0.isNumber || "-._~".contains($0) }
        )
        #expect(PKCE().verifier != pkce.verifier)
        let url = OAuthEndpoints.google.authorizationURL(
            clientID: "id",
            redirectURI: "http://127.0.0.1:5/",
            scopes: [DriveScope.file.url],
            pkce: pkce,
            state: "s1"
        )
        #expect(
            url.hasPrefix(
                "https://accounts.google.com/o/oauth2/v2/auth?client_id=id&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2F&response_type=code"
            )
        )
        #expect(
            url.contains("code_challenge=\(pkce.challenge)&code_challenge_method=S256&state=s1&access_type=offline")
        )
    }

    @Test func browserFlowThroughTheLoopbackRedirect() async throws {
        try await withRunningEmulator { emulator in
            let (store, home) = makeStore()
            defer { try? FileManager.default.removeItem(atPath: home) }
            let flows = LoginFlows(store: store)
            let request = LoginFlows.Request(
                account: "work",
                endpoint: emulator.baseURL,
                clientID: "cid",
                clientSecret: "secret"
            )
            let credential = try await flows.loginWithBrowser(request) { url in try await follow(emulator, url) }
            #expect(credential.refreshToken != nil && credential.scopes == [DriveScope.file.url])
            let token = try #require(credential.accessToken)
            #expect(
                try await drive(emulator, FixedAccessToken(token)).about(fields: "user").user?.emailAddress
                    == "tester@example.com"
            )
            #expect(try await store.load("work") == credential)

            // An answer whose state is not the one sent is refused.
            await #expect(throws: OAuthError.self) {
                _ = try await flows.loginWithBrowser(request) { url in
                    try await follow(emulator, url) { $0.replacingOccurrences(of: "state=", with: "state=forged") }
                }
            }
        }
    }

    @Test func aReadOnlyScopeReadsButCannotWrite() async throws {
        try await withRunningEmulator { emulator in
            let (store, home) = makeStore()
            defer { try? FileManager.default.removeItem(atPath: home) }
            let request = LoginFlows.Request(
                account: "viewer",
                endpoint: emulator.baseURL,
                clientID: "cid",
                clientSecret: "s",
                scope: .readonly
            )
            let credential = try await LoginFlows(store: store).loginWithBrowser(request) { url in
                try await follow(emulator, url)
            }
            #expect(credential.scopes == [DriveScope.readonly.url], "the granted scope is stored")
            let client = drive(emulator, FixedAccessToken(credential.accessToken!))
            #expect(try await client.about(fields: "user").user != nil)
            let refused = await #expect(throws: DriveAPIError.self) {
                _ = try await client.createFolder(named: "x", in: "root")
            }
            #expect(refused?.status == 403 && refused?.reason == "insufficientPermissions")
        }
    }

    @Test func theFileScopeSeesOnlyWhatItsAppCreated() async throws {
        try await withRunningEmulator { emulator in
            let (store, home) = makeStore()
            defer { try? FileManager.default.removeItem(atPath: home) }
            let everything = drive(emulator, FixedAccessToken(emulator.token))
            let theirs = try await everything.createFolder(named: "Theirs", in: "root")
            func signIn(_ client: String) async throws -> DriveClient {
                let request = LoginFlows.Request(
                    account: client,
                    endpoint: emulator.baseURL,
                    clientID: client,
                    clientSecret: "s"
                )
                let credential = try await LoginFlows(store: store).loginWithBrowser(request) { url in
                    try await follow(emulator, url)
                }
                return drive(emulator, FixedAccessToken(credential.accessToken!))
            }
            let mine = try await signIn("drivesync")
            let ours = try await mine.createFolder(named: "MemoryVDB", in: "root")
            #expect(try await mine.allFiles(query: .notTrashed, fields: "id,name").compactMap(\.name) == ["MemoryVDB"])
            await #expect(throws: DriveAPIError.self) { _ = try await mine.getFile(theirs.id!, fields: "id") }
            #expect(
                try await everything.allFiles(query: .notTrashed, fields: "id,name").compactMap(\.name).sorted() == [
                    "MemoryVDB", "Theirs",
                ]
            )
            let otherApp = try await signIn("another-app")
            #expect(try await otherApp.allFiles(query: .notTrashed, fields: "id").isEmpty)
            await #expect(throws: DriveAPIError.self) { _ = try await otherApp.getFile(ours.id!, fields: "id") }
        }
    }

    @Test func aWrongPKCEVerifierIsRefused() async throws {
        try await withRunningEmulator { emulator in
            let endpoints = OAuthEndpoints.served(at: emulator.baseURL)
            let client = OAuthClient(endpoints: endpoints, clientID: "cid", clientSecret: nil)
            let pkce = PKCE()
            let redirect = "http://127.0.0.1:1/"
            let consent = try await emulator.send(
                .GET,
                endpoints.authorizationURL(
                    clientID: "cid",
                    redirectURI: redirect,
                    scopes: [DriveScope.file.url],
                    pkce: pkce,
                    state: "s"
                ),
                authorized: false
            )
            let location = try #require(consent.header("location"))
            let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
            let refused = await #expect(throws: OAuthError.self) {
                _ = try await client.exchange(code: code, verifier: PKCE().verifier, redirectURI: redirect)
            }
            #expect(refused?.code == "invalid_grant")
        }
    }

    @Test func deviceFlowPollsUntilApproved() async throws {
        let (clock, control) = EmulatorClock.manual(startingAt: Date())
        try await withRunningEmulator(configuration: .init(clock: clock)) { emulator in
            let (store, home) = makeStore()
            defer { try? FileManager.default.removeItem(atPath: home) }
            let shown = Mutex<DeviceAuthorization?>(nil)
            let polls = Mutex(0)
            let waits = Mutex<[Duration]>([])
            let credential = try await LoginFlows(store: store).loginWithDevice(
                .init(account: "tv", endpoint: emulator.baseURL, clientID: "cid", clientSecret: "s"),
                show: { authorization in shown.withLock { $0 = authorization } },
                sleep: { duration in
                    // The first waits pass no time on the emulator's clock, so the second poll comes too
                    // soon and is told to slow down; the user approves before the third.
                    let poll = polls.withLock {
                        $0 += 1
                        return $0
                    }
                    waits.withLock { $0.append(duration) }
                    if poll >= 3 { control.advance(by: Double(duration.components.seconds)) }
                    if poll == 3, let code = shown.withLock({ $0?.userCode }) {
                        _ = try await emulator.send(.GET, "/device?user_code=\(code)", authorized: false)
                    }
                }
            )
            #expect(credential.refreshToken != nil)
            #expect(waits.withLock { $0 } == [.seconds(5), .seconds(5), .seconds(10)], "slow_down adds five seconds")
            #expect(shown.withLock { $0?.verificationURL.hasPrefix(emulator.baseURL) } == true)
        }
    }

    @Test func serviceAccountsSignTheirOwnAssertions() async throws {
        try await withRunningEmulator(configuration: .init(users: [.init(email: "boss@example.com", token: "t")])) {
            emulator in
            let (store, home) = makeStore()
            defer { try? FileManager.default.removeItem(atPath: home) }
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            try emulator.emulator.addServiceAccount(
                email: "robot@project.iam.gserviceaccount.com",
                publicKeyPEM: key.publicKey.pemRepresentation
            )
            let keyFile =
                #"{"type":"service_account","client_email":"robot@project.iam.gserviceaccount.com","private_key_id":"k1","private_key":"\#(key.pemRepresentation.replacingOccurrences(of: "\n", with: "\\n"))"}"#
            let serviceKey = try ServiceAccountKey(json: Data(keyFile.utf8))
            let flows = LoginFlows(store: store)
            let request = LoginFlows.Request(account: "robot", endpoint: emulator.baseURL, scope: .full)
            let delegated = try await flows.loginWithServiceAccount(
                request,
                key: serviceKey,
                subject: "boss@example.com"
            )
            #expect(
                try await drive(emulator, FixedAccessToken(delegated.accessToken!)).about(fields: "user").user?
                    .emailAddress == "boss@example.com"
            )

            // A key the server does not know signs assertions it refuses.
            let stranger = ServiceAccountKey(
                clientEmail: "robot@project.iam.gserviceaccount.com",
                privateKeyPEM: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
            )
            let refused = await #expect(throws: OAuthError.self) {
                _ = try await flows.loginWithServiceAccount(request, key: stranger, subject: nil)
            }
            #expect(refused?.credentialProblem == .rejected)
            #expect(throws: ServiceAccountKey.Invalid.self) {
                try ServiceAccountKey(json: Data(#"{"client_email":"x","private_key":"not a key"}"#.utf8))
            }
        }
    }

    @Test func tokensRefreshAheadOfExpiryOnceForEveryoneAndAfterA401() async throws {
        let (clock, control) = EmulatorClock.manual(startingAt: Date())
        try await withRunningEmulator(configuration: .init(accessTokenLifetime: 600, clock: clock)) { emulator in
            let (store, home) = makeStore()
            defer { try? FileManager.default.removeItem(atPath: home) }
            let request = LoginFlows.Request(
                account: "work",
                endpoint: emulator.baseURL,
                clientID: "cid",
                clientSecret: "secret"
            )
            let flows = LoginFlows(store: store, now: { control.now })
            let credential = try await flows.loginWithBrowser(request) { url in try await follow(emulator, url) }
            let client = OAuthClient(endpoints: credential.oauthEndpoints, clientID: "cid", clientSecret: "secret")
            let provider = RefreshingTokenProvider(
                credential: credential,
                store: store,
                client: client,
                now: { control.now }
            )
            #expect(try await provider.accessToken() == credential.accessToken, "still valid: no refresh")

            control.advance(by: 590)  // within the minute before expiry
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await provider.accessToken() } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1 && tokens.first != credential.accessToken)
            #expect(await provider.refreshCount == 1, "twenty callers, one refresh")
            #expect(try await store.load("work")?.accessToken == tokens.first, "the refreshed token is saved")

            // The server forgets the token early (a 401): the client refreshes once and retries.
            _ = try await emulator.send(.POST, "/revoke?token=\(tokens.first!)", authorized: false)
            #expect(
                try await drive(emulator, provider).about(fields: "user").user?.emailAddress == "tester@example.com"
            )
            #expect(await provider.refreshCount == 2)

            // After logout the grant is revoked: refreshing fails with a message saying what to do.
            #expect(try await flows.logout("work") == nil)
            #expect(try await store.load("work") == nil)
            control.advance(by: 3600)
            let revoked = await #expect(throws: OAuthError.self) { _ = try await provider.accessToken() }
            #expect(
                revoked?.credentialProblem == .rejected
                    && revoked?.description.contains("drivesync auth login work") == true
            )
        }
    }
}
