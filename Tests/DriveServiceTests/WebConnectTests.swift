import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

struct WebConnectTests {
    /// The configuration of an account to connect on the web, against the emulator's OAuth server.
    static func webAccount(_ endpoint: String) -> String {
        "[account web]\nendpoint = \(endpoint)\nclient_id = drivesync-test\npacing = none\n"
    }

    /// Starts a sign-in and follows the emulator's consent (which approves at once) back to the callback
    /// URI it redirects to; returns that URI's path and query.
    static func consent(_ service: ServiceHarness, account: String = "web") async throws -> String {
        let start = try await service.send(.get, "/drive/auth/start?account=\(account)&scope=drive")
        #expect(start.status == .found, "\(String(buffer: start.body))")
        let consentURL = try #require(start.headers[.location])
        #expect(consentURL.contains("code_challenge_method=S256") && consentURL.contains("state="))
        let approved = try await service.emulator.send(.GET, consentURL, authorized: false)
        #expect(approved.status == 302)
        let back = try #require(approved.header("Location").flatMap(URLComponents.init(string:)))
        #expect(back.path == "/drive/auth/callback")
        return back.path + "?" + (back.percentEncodedQuery ?? "")
    }

    @Test func connectsAnAccountOnceAndRefusesReplaysAndForgeries() async throws {
        try await ServiceHarness.run(extraConfiguration: Self.webAccount) { service in
            let before = try await service.send(.get, "/drive/files?account=web")
            #expect(before.status == .unauthorized, "not signed in yet")
            let callback = try await Self.consent(service)
            let page = try await service.send(.get, callback, authorized: false)
            #expect(page.status == .ok, "\(String(buffer: page.body))")
            #expect(String(buffer: page.body).contains("Drive connected"))

            let accounts = String(buffer: try await service.send(.get, "/drive/auth/accounts").body)
            #expect(accounts.contains(#""credentials":"oauth""#) && accounts.contains(#""name":"web""#))
            #expect(try await service.send(.get, "/drive/files?account=web").status == .ok)

            let replayed = try await service.send(.get, callback, authorized: false)
            #expect(replayed.status == .badRequest)
            #expect(String(buffer: replayed.body).contains("already used"))
            let forged = try await service.send(.get, "/drive/auth/callback?state=made-up&code=x", authorized: false)
            #expect(forged.status == .badRequest)
            let denied = try await service.send(.get, "/drive/auth/callback?error=access_denied", authorized: false)
            #expect(denied.status == .badRequest)
            let connects = service.auditLines.filter { $0.contains(#""action":"auth.connect""#) }
            #expect(connects.map { $0.contains(#""result":200"#) } == [true, false, false, false])

            #expect(try await service.send(.delete, "/drive/auth/accounts/web").status == .noContent)
            let revoked = try await service.send(.get, "/drive/files?account=web")
            #expect(revoked.status == .unauthorized, "a revoked account answers 401 with what to do")
            #expect(String(buffer: revoked.body).contains("auth login web"))
            #expect(try await service.send(.delete, "/drive/auth/accounts/nobody").status == .notFound)
        }
    }

    @Test func aStateExpiresAndBadAccountNamesAreRefused() async throws {
        try await ServiceHarness.run(extraConfiguration: Self.webAccount) { service in
            for query in ["", "?account=../x", "?account=drive", "?account=web&scope=everything"] {
                let answer = try await service.send(.get, "/drive/auth/start" + query)
                #expect(answer.status == .badRequest, "\(query)")
            }
        }
        let clock = ManualDate()
        var configuration = Configuration()
        try configuration.apply("[account late]\nclient_id = drivesync-test\n", from: "test")
        let connect = WebConnect(
            driveSync: DriveSync(configuration: configuration, home: "/nonexistent"),
            now: { clock.now }
        )
        let url = try await connect.begin(account: "late", scope: "drive.file", redirectURI: "http://127.0.0.1/cb")
        let state = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "state" }?.value)
        clock.advance(by: WebConnect.lifetime + 1)
        await #expect(throws: WebConnect.Failure.self) {
            try await connect.finish(state: state, code: "code", error: nil)
        }
    }
}

/// A clock a test moves by hand.
final class ManualDate: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}
