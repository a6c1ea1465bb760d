public import HTTPTypes
import Hummingbird
import HummingbirdTesting
public import NIOCore

/// One push notification as a receiver saw it.
public struct ReceivedNotification: Sendable {
    public var headers: HTTPFields
    public var body: ByteBuffer

    public func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
    public var state: String? { header("X-Goog-Resource-State") }
}

/// Runs an HTTP endpoint that records push notifications, for the length of `body`.
///
/// `body` gets the receiver's URL and an iterator that yields notifications as they arrive, so a test
/// awaits the next one instead of sleeping.
public func withWebhookReceiver<Result: Sendable>(
    _ body: @escaping @Sendable (String, AsyncStream<ReceivedNotification>) async throws -> Result
) async throws -> Result {
    let (stream, continuation) = AsyncStream.makeStream(of: ReceivedNotification.self)
    let router = Router()
    router.post("/hook") { request, _ -> HTTPResponse.Status in
        let body = try await request.body.collect(upTo: 1 << 20)
        continuation.yield(ReceivedNotification(headers: request.headers, body: body))
        return .ok
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    return try await app.test(.live) { client in
        try await body("http://127.0.0.1:\(client.port ?? 0)/hook", stream)
    }
}
