import HTTPTypes
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL

/// The request context: Hummingbird's core storage plus the connection, which faults may cut.
public struct EmulatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Answers every request through the emulator's own router, so routing works on the path alone and
/// `x-http-method-override` can change the method before routing.
struct EmulatorResponder: HTTPResponder {
    let emulator: DriveEmulator
    let scheme: String

    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response {
        var method = request.method
        var query = request.uri.query
        var body = request.body
        if let override = request.headers[HTTPField.Name("x-http-method-override")!],
            let overridden = HTTPRequest.Method(override.uppercased())
        {
            method = overridden
            // The query string travels in a form body (google-api-python-client, long URLs).
            if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
                let form = try await request.body.collect(upTo: 1 << 20)
                query = [query, String(buffer: form)].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "&")
                body = RequestBody(buffer: ByteBuffer())
            }
        }
        let emulatorRequest = EmulatorRequest(
            method: method,
            path: request.uri.path,
            query: query,
            headers: request.headers,
            body: body,
            origin: RequestOrigin(scheme: scheme, host: request.head.authority ?? "localhost")
        )
        return await emulator.respond(to: emulatorRequest, connection: context.channel)
    }
}

/// Builds the emulator's HTTP application (the composition root used by `drivesync emulator` and tests).
///
/// - Parameters:
///   - emulator: the emulator to serve.
///   - host: address to bind; loopback by default.
///   - port: port to bind; 0 picks a free one.
///   - tls: a certificate chain and key (PEM files) to serve HTTPS instead of HTTP.
///   - onServerRunning: called with the bound port once the server listens.
public func buildEmulatorApplication(
    emulator: DriveEmulator,
    host: String = "127.0.0.1",
    port: Int = 0,
    tls: (certificatePath: String, keyPath: String)? = nil,
    logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let clock = emulator.store.clock
    let http1 = HTTPServerBuilder.http1(
        configuration: .init(additionalChannelHandlers: [CurrentDateHandler(clock: clock)])
    )
    let server: HTTPServerBuilder
    if let tls {
        let certificates = try NIOSSLCertificate.fromPEMFile(tls.certificatePath).map {
            NIOSSLCertificateSource.certificate($0)
        }
        let key = try NIOSSLPrivateKey(file: tls.keyPath, format: .pem)
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates,
            privateKey: .privateKey(key)
        )
        server = try .tls(http1, tlsConfiguration: configuration)
    } else {
        server = http1
    }
    return Application(
        responder: EmulatorResponder(emulator: emulator, scheme: tls == nil ? "http" : "https"),
        server: server,
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "DriveSyncEmulator"),
        services: [emulator.pushNotifier],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger ?? emulator.logger
    )
}

/// Raised after a fault closed the connection on purpose.
struct ConnectionDropped: Error {}

extension DriveEmulator {
    /// Handles one request: route, count, inject faults, authenticate, apply limits, dispatch.
    func respond(to request: EmulatorRequest, connection: (any Channel)?) async -> Response {
        guard let endpoint = Endpoint.route(method: request.method, segments: request.segments) else {
            return DriveError.noSuchRoute.response(pretty: request.pretty)
        }
        if case .admin(let path) = endpoint {
            return await respondToAdmin(path: path, request: request)
        }
        if endpoint == .batch {
            do { return try await respondToBatch(request) } catch let error as DriveError {
                return error.response(pretty: request.pretty)
            } catch {
                return DriveError.badRequest("\(error)").response(pretty: request.pretty)
            }
        }
        let fault = faults.decide(method: endpoint.method, httpMethod: request.method.rawValue, path: request.path)
        let response = await answer(request, endpoint: endpoint, fault: fault, connection: connection)
        // Error answers are cut short too: clients must treat a broken error body as a dropped connection.
        if case .dropResponse = fault, let connection { return Self.truncated(response, connection: connection) }
        return response
    }

    /// Applies the fault, then authenticates, applies limits and dispatches.
    private func answer(
        _ request: EmulatorRequest,
        endpoint: Endpoint,
        fault: FaultAction?,
        connection: (any Channel)?
    ) async -> Response {
        do {
            var chunkFault: FaultAction?
            switch fault {
            case .status(let code, let reason, let message, let retryAfter, let html):
                var error = DriveError(
                    HTTPResponse.Status(code: code),
                    reason: reason ?? Self.defaultReason(code),
                    domain: code == 429 || code == 403 ? "usageLimits" : "global",
                    message: message ?? Self.defaultMessage(code),
                    retryAfterSeconds: retryAfter
                )
                error.html = html ?? false
                throw error
            case .latency(let milliseconds):
                try await Task.sleep(for: .milliseconds(milliseconds))
            case .dropRequest where !Self.isChunk(request):
                try await Self.drainHalf(request)
                throw await drop(connection)
            case .dropRequest, .partialChunk:
                chunkFault = fault
            case .dropResponse, .none:
                break
            }
            if endpoint.isOAuth { return await respondToOAuth(endpoint, request: request) }
            let (user, scopes, clientId) = try authenticate(request)
            try Self.checkScopes(scopes, isWrite: endpoint.isWrite)
            do {
                try limiter.admit(
                    user: user,
                    isWrite: endpoint.isWrite && !Self.isChunk(request),
                    now: store.clock.milliseconds
                )
            } catch {
                faults.countRateLimitRefusal()
                throw error
            }
            return try await RequestApp.$creator.withValue(clientId) {
                try await RequestApp.$restriction.withValue(RequestApp.restriction(scopes: scopes, clientId: clientId))
                {
                    try await dispatch(
                        endpoint,
                        request: request,
                        user: user,
                        chunkFault: chunkFault,
                        connection: connection
                    )
                }
            }
        } catch let error as DriveError {
            return error.response(pretty: request.pretty)
        } catch is ConnectionDropped {
            return DriveError.backendError.response(pretty: request.pretty)
        } catch {
            logger.info("request failed", metadata: ["drive.method": "\(endpoint.method)", "error": "\(error)"])
            return DriveError.backendError.response(pretty: request.pretty)
        }
    }

    static func isChunk(_ request: EmulatorRequest) -> Bool { request.parameter("upload_id") != nil }

    /// Closes the connection now; the client sees it drop.
    func drop(_ connection: (any Channel)?) async -> ConnectionDropped {
        try? await connection?.close()
        return ConnectionDropped()
    }

    private static func drainHalf(_ request: EmulatorRequest) async throws {
        let length = request.headers[.contentLength].flatMap(Int.init) ?? 0
        var read = 0
        for try await buffer in request.body {
            read += buffer.readableBytes
            if read >= length / 2 { break }
        }
    }

    /// Sends about half of the body, then cuts the connection.
    private static func truncated(_ response: Response, connection: any Channel) -> Response {
        var response = response
        let original = response.body
        let length = original.contentLength ?? 2
        response.body = ResponseBody(contentLength: length) { writer in
            try await writer.write(try await ResponseCollector.collect(original, upTo: max(1, length / 2)))
            try? await connection.close()
            throw ConnectionDropped()
        }
        return response
    }

    static func defaultReason(_ code: Int) -> String {
        switch code {
        case 400: "badRequest"
        case 401: "authError"
        case 403: "rateLimitExceeded"
        case 404: "notFound"
        case 429: "rateLimitExceeded"
        case 500: "backendError"
        default: "backendError"
        }
    }

    static func defaultMessage(_ code: Int) -> String {
        switch code {
        case 403, 429: "Rate Limit Exceeded"
        case 404: "Not Found"
        case 500, 502, 503, 504: "Backend Error"
        default: "Error"
        }
    }
}

/// Collects up to `limit` bytes of a response body, then stops the writer (for truncation and batch).
final class ResponseCollector: ResponseBodyWriter, @unchecked Sendable {
    private struct Enough: Error {}
    private let limit: Int
    private(set) var collected = ByteBuffer()

    private init(limit: Int) { self.limit = limit }

    static func collect(_ body: ResponseBody, upTo limit: Int) async throws -> ByteBuffer {
        let collector = ResponseCollector(limit: limit)
        do { try await body.write(collector) } catch is Enough {}
        return collector.collected
    }

    func write(_ buffer: ByteBuffer) async throws {
        let room = limit - collected.readableBytes
        var buffer = buffer
        if buffer.readableBytes > room { buffer = buffer.getSlice(at: buffer.readerIndex, length: room) ?? buffer }
        collected.writeImmutableBuffer(buffer)
        if collected.readableBytes >= limit { throw Enough() }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
