import AsyncHTTPClient
import NIOSSL
import Synchronization

/// The HTTP clients accounts reach Drive with: one trusting the system's authorities, and one per
/// `ca_certificate` file trusting that file's too. Each lives as long as the process, as
/// `HTTPClient.shared` does, so every connection of an account shares one connection pool.
///
/// A failed connection fails its request at once instead of being retried inside the pool until the
/// request's deadline: `DriveClient` retries what is transient itself, and knows a refused certificate
/// is not.
enum DriveHTTPClients {
    private static let clients = Mutex<[String?: HTTPClient]>([:])

    static func client(trusting caCertificateFile: String?) throws -> HTTPClient {
        try clients.withLock { clients in
            if let client = clients[caCertificateFile] { return client }
            var configuration = HTTPClient.Configuration.singletonConfiguration
            configuration.connectionPool.retryConnectionEstablishment = false
            if let caCertificateFile {
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.additionalTrustRoots = [.certificates(try certificates(in: caCertificateFile))]
                configuration.tlsConfiguration = tls
            }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[caCertificateFile] = client
            return client
        }
    }

    private static func certificates(in file: String) throws -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(file)
        } catch {
            throw DriveSyncError(
                .invalidArgument,
                "ca_certificate \(file) could not be read as PEM certificates (\(error)); name a readable PEM file"
            )
        }
        guard !certificates.isEmpty else {
            throw DriveSyncError(.invalidArgument, "ca_certificate \(file) holds no PEM certificate")
        }
        return certificates
    }
}
