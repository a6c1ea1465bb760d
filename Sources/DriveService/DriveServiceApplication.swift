public import DriveSyncKit
import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The service's HTTP application (the composition root `drivesync serve` and the tests use): routes,
/// the key, error, metrics and audit layers, over the Drive connections it is given.
///
/// - Parameters:
///   - connections: the Drives it answers for, kept for the application's life.
///   - jobs: where `/drive/jobs` queues runs, in the service's database (which also holds the API keys).
///   - settings: where it listens (port 0 picks a free one) and its audit log.
///   - onServerRunning: called with the bound port once the server listens.
public func buildServiceApplication(
    connections: DriveConnections,
    jobs: DriveJobs,
    settings: Configuration.Service,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let boundPort = BoundPort(settings.port)
    let router = try buildServiceRouter(
        connections: connections,
        jobs: jobs,
        settings: settings,
        logger: logger,
        boundPort: boundPort
    )
    let server: HTTPServerBuilder
    if let certificate = settings.tlsCertificate, let key = settings.tlsKey {
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain,
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        )
        server = try .tls(.http1(additionalChannelHandlers: [CloseAfterWrites()]), tlsConfiguration: configuration)
    } else {
        server = .http1(additionalChannelHandlers: [CloseAfterWrites()])
    }
    return Application(
        router: router,
        server: server,
        configuration: ApplicationConfiguration(
            address: .hostname(settings.host, port: settings.port),
            serverName: "DriveSync"
        ),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? settings.port
            boundPort.port = port
            await onServerRunning(port)
        },
        logger: logger
    )
}

/// Runs the service until SIGTERM or SIGINT: requests in flight get `settings.shutdownGrace` to finish,
/// then the process may exit. With no account configured, the embedded local drive is served meanwhile.
/// `database` (`--database`) overrides where the jobs are kept.
public func runService(
    driveSync: DriveSync,
    settings: Configuration.Service,
    database: String? = nil,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws {
    try await driveSync.withServiceDatabase(database, connections: max(4, settings.workers + 2)) { service in
        try await runService(
            driveSync: driveSync.sharingCredentials(in: service),
            service: service,
            settings: settings,
            logger: logger,
            onServerRunning: onServerRunning
        )
    }
}

private func runService(
    driveSync: DriveSync,
    service: ServiceDatabase,
    settings: Configuration.Service,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void
) async throws {
    try await driveSync.withConnections { connections in
        let jobs = try connections.driveSync.openJobs(service: service, workers: settings.workers)
        let application = try buildServiceApplication(
            connections: connections,
            jobs: jobs,
            settings: settings,
            logger: logger,
            onServerRunning: onServerRunning
        )
        // Shut down in reverse: the workers stop first (between files, giving back what is left) while
        // the server still answers.
        let refresher = CacheRefresher(
            connections: connections,
            events: jobs.events,
            interval: settings.cacheRefresh
        )
        try await jobs.startWatching()
        let services: [any Service] = [application, refresher] + jobs.services
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = settings.shutdownGrace
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// Where the server listens, once it does (port 0 is known only then): the OAuth callback URL needs it.
final class BoundPort: Sendable {
    private let value: Mutex<Int>
    init(_ port: Int) { value = Mutex(port) }
    var port: Int {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// Every route and middleware of the service (what `/openapi.json` describes, route by route).
func buildServiceRouter(
    connections: DriveConnections,
    jobs: DriveJobs,
    settings: Configuration.Service,
    logger: Logger,
    boundPort: BoundPort
) throws -> Router<ServiceRequestContext> {
    let driveSync = connections.driveSync
    let audit = AuditLog(
        log: JSONLinesLog(path: settings.auditLog ?? driveSync.home + "/logs/audit.jsonl"),
        logger: logger
    )
    let scheme = settings.tlsCertificate == nil ? "http" : "https"
    let callbackURL: @Sendable () -> String = {
        (settings.publicURL ?? "\(scheme)://\(settings.host):\(boundPort.port)") + "/drive/auth/callback"
    }
    let openAPI = try OpenAPIDocument.load()
    let probe = ReadinessProbe(connections: connections)
    let router = Router(context: ServiceRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: RequestMetrics()))
    let allowed = AllowedMethods()
    router.add(middleware: ErrorMiddleware(allowed: allowed, events: jobs.events, audit: audit))
    let streams = ActiveStreams()
    HealthRoutes(probe: probe, streams: streams, jobs: jobs).register(on: router)
    let authenticated = router.group()
        .add(middleware: APIKeyMiddleware(keys: APIKeyRing(store: jobs.apiKeys), audit: audit))
    authenticated.get("metrics") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: ProcessMetrics.exposition()))
        )
    }
    authenticated.get("openapi.json") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: openAPI))
        )
    }
    let drive = authenticated.group("drive")
    FileRoutes(
        connections: connections,
        audit: audit,
        archiveFolder: driveSync.configuration.archiveFolder,
        streams: streams
    ).register(on: drive)
    AccountRoutes(
        connections: connections,
        jobs: jobs,
        audit: audit,
        connect: WebConnect(driveSync: driveSync),
        probe: probe,
        callbackURL: callbackURL
    ).register(authenticated: drive, open: router.group("drive"))
    JobRoutes(jobs: jobs, events: jobs.events, audit: audit).register(on: drive)
    SearchRoutes(jobs: jobs, audit: audit).register(on: drive)
    WebhookRoutes(jobs: jobs).register(open: router.group("drive"))
    allowed.register(router.routes.map { ("\($0.path)", $0.method) })
    return router
}

/// The OpenAPI 3.1 description, a resource of this module.
enum OpenAPIDocument {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "the service's openapi.json resource is missing from the build" }
    }

    static func load() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else { throw Missing() }
        return try Data(contentsOf: url)
    }
}
