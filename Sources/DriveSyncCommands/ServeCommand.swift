import ArgumentParser
import DriveService
import DriveSyncKit
import Foundation

/// `drivesync serve`: the REST API over Drive, and its API keys.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Drive to applications over HTTP: files, folders, content, accounts, health, metrics.",
        discussion: """
            Every route but /health/* needs Authorization: Bearer KEY, a key made by drivesync serve keys create.
            Each flag is also a setting of the [service] section of the configuration (host, port, public_url,
            tls_cert, tls_key, audit_log, shutdown_grace, database, workers). It listens on loopback unless told otherwise; put it
            behind a reverse proxy with TLS, or give it a certificate, before binding another address.

            Examples:
              drivesync serve keys create memory-app
              drivesync serve --port 8080
              curl -H "Authorization: Bearer $KEY" "http://127.0.0.1:8080/drive/files?path=MemoryVDB"
            """,
        subcommands: [Keys.self]
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "The port to listen on (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(name: .customLong("public-url"), help: "The address clients reach the service at, behind a proxy.")
    var publicURL: String?

    @Option(name: .customLong("tls-cert"), help: "A PEM certificate chain: serve HTTPS (with --tls-key).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(
        help:
            "The service's database URL (jobs, keys, shared state): sqlite, sqlite:PATH or postgres://USER@HOST:PORT/DB."
    )
    var database: String?

    @Option(help: "Jobs run at once in this process (default 2; 0 leaves them to drivesync worker).")
    var workers: Int?

    func validate() throws {
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together; give both or neither")
        }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port is a number from 0 to 65535") }
        if let workers, !(0...64).contains(workers) { throw ValidationError("--workers is from 0 to 64") }
    }

    func run() async throws {
        try await reportingErrors {
            let driveSync = try global.driveSync()
            var settings = driveSync.configuration.service
            if let host { settings.host = host }
            if let port { settings.port = port }
            if let publicURL { settings.publicURL = publicURL }
            if let workers { settings.workers = workers }
            if let tlsCertificate, let tlsKey {
                settings.tlsCertificate = tlsCertificate
                settings.tlsKey = tlsKey
            }
            let loopback = ["127.0.0.1", "::1", "localhost"].contains(settings.host)
            if !loopback, settings.tlsCertificate == nil {
                printNote(
                    "warning: serving \(settings.host) without TLS: keys and content cross the network in clear; use --tls-cert/--tls-key or a reverse proxy with TLS"
                )
            }
            if try await driveSync.withServiceDatabase(database, { try await $0.apiKeys.keys().isEmpty }) {
                printNote("No API key exists yet: make one with drivesync serve keys create NAME")
            }
            let scheme = settings.tlsCertificate == nil ? "http" : "https"
            try await runService(
                driveSync: driveSync,
                settings: settings,
                database: database,
                logger: Logger(label: "drivesync.service")
            ) {
                [host = settings.host] port in
                printNote("DriveSync service listening on \(scheme)://\(host):\(port)")
            }
        }
    }

    /// `drivesync serve keys`: the API keys applications present.
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keys",
            abstract: "Create, list and revoke the service's API keys.",
            subcommands: [Create.self, List.self, Revoke.self]
        )

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make a key; it is shown once and only its hash is kept."
            )
            @OptionGroup var global: GlobalOptions
            // `--database` is `serve`'s option, also after `keys …`.
            @ParentCommand var serve: ServeCommand
            @Argument(help: "A name for the key: who or what uses it.") var name: String

            func run() async throws {
                let secret = try await reportingErrors {
                    try await global.driveSync().withServiceDatabase(serve.database) {
                        try await $0.apiKeys.create(name)
                    }
                }
                print(secret)
                printNote("This is the only time the key is shown; store it where \(name) reads it.")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the keys (names, never secrets).")
            @OptionGroup var global: GlobalOptions
            // `--database` is `serve`'s option, also after `keys …`.
            @ParentCommand var serve: ServeCommand

            func run() async throws {
                let keys = try await reportingErrors {
                    try await global.driveSync().withServiceDatabase(serve.database) { try await $0.apiKeys.keys() }
                }
                if keys.isEmpty { print("No API keys; make one with drivesync serve keys create NAME") }
                for key in keys { print("\(key.name)\t\(key.prefix)…\tcreated \(key.created)") }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a key: requests with it are refused.")
            @OptionGroup var global: GlobalOptions
            // `--database` is `serve`'s option, also after `keys …`.
            @ParentCommand var serve: ServeCommand
            @Argument(help: "The key's name.") var name: String

            func run() async throws {
                try await reportingErrors {
                    try await global.driveSync().withServiceDatabase(serve.database) {
                        try await $0.apiKeys.revoke(name)
                    }
                }
                print("Revoked \(name).")
            }
        }
    }
}
