// swift-tools-version:6.2
import PackageDescription

// One set of settings for every target (Hummingbird's pattern): Swift 6 mode plus the upcoming features that make
// imports and existentials explicit.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "drivesync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "drivesync", targets: ["drivesync"]),
        .executable(name: "DriveAPIBenchmark", targets: ["DriveAPIBenchmark"]),
        .executable(name: "QueueBenchmark", targets: ["QueueBenchmark"]),
        .executable(name: "ContentBenchmark", targets: ["ContentBenchmark"]),
        .library(name: "DriveSyncCore", targets: ["DriveSyncCore"]),
        .library(name: "DriveEmulator", targets: ["DriveEmulator"]),
        .library(name: "DriveAPI", targets: ["DriveAPI"]),
        .library(name: "DriveSyncKit", targets: ["DriveSyncKit"]),
        .library(name: "DriveService", targets: ["DriveService"]),
        .library(name: "DriveSyncCommands", targets: ["DriveSyncCommands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Shared vocabulary: paths, remotes, errors and exit statuses, timestamps, query encoding, retry rules, a
        // stop request. No file or network I/O.
        .target(
            name: "DriveSyncCore",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio")
            ],
            swiftSettings: swiftSettings
        ),
        // Text out of documents for the content index: charset detection, text, HTML, CSV/TSV, JSON, XML, RTF, and
        // ZIP-based documents (docx, xlsx, pptx, odt, ods, odp, EPUB) read in parts, within limits. Pure: no file or
        // network I/O.
        .target(
            name: "ContentExtraction",
            swiftSettings: swiftSettings
        ),
        // A Google Drive v3 server: storage, the q language, uploads, changes, OAuth, faults.
        .target(
            name: "DriveEmulator",
            dependencies: [
                "DriveSyncCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Local file work: atomic writes and copies, file MD5s, blocking calls run off Swift's cooperative threads.
        .target(
            name: "LocalFiles",
            dependencies: [
                "DriveSyncCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The typed, resilient Drive v3 client: models, queries, calls, transfers, pacing, errors.
        .target(
            name: "DriveAPI",
            dependencies: [
                "DriveSyncCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Google Drive (or the emulator) as a Remote, over DriveAPI.
        .target(
            name: "DriveRemote",
            dependencies: [
                "DriveAPI",
                "DriveSyncCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The sync state in SQLite (GRDB): synced items, the changes cursor, create intents, upload sessions.
        .target(
            name: "SyncState",
            dependencies: [
                "DriveSyncCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The sync engine: scanner and ignore rules, the pure planners, executors and sessions for sync and pull,
        // JSON Lines logs.
        .target(
            name: "SyncEngine",
            dependencies: [
                "DriveSyncCore",
                "LocalFiles",
                "SyncState",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A local folder as a Remote.
        .target(
            name: "LocalRemote",
            dependencies: [
                "DriveSyncCore",
                "LocalFiles",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The service's database, SQLite (one machine) or PostgreSQL (many): where it is, statements written
        // once for both, transactions, versioned migrations.
        .target(
            name: "SQLDatabase",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The service's state shared between its processes, on the service's database: API keys, sealed
        // credentials, change cursors and file records, push channels, events.
        .target(
            name: "ServiceState",
            dependencies: ["SQLDatabase"],
            swiftSettings: swiftSettings
        ),
        // The content index on the service's database: documents' text and filename fields, the search
        // query language, FTS5 on SQLite and tsvector/GIN on PostgreSQL.
        .target(
            name: "ContentIndex",
            dependencies: ["SQLDatabase"],
            swiftSettings: swiftSettings
        ),
        // The durable job queue on the service's database: jobs, leases and heartbeats, retries, unique keys,
        // NOTIFY wake-ups, and the workers that run registered handlers.
        .target(
            name: "DurableQueue",
            dependencies: [
                "DriveSyncCore",
                "SQLDatabase",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Snapshot and versioned backups of local folders, retention, restore.
        .target(
            name: "Backup",
            dependencies: [
                "DriveSyncCore",
                "LocalFiles",
                "SyncEngine",
            ],
            swiftSettings: swiftSettings
        ),
        // Accounts and credentials: PKCE, the OAuth flows, service-account JWTs, refreshing token providers,
        // credentials encrypted at rest.
        .target(
            name: "DriveAuth",
            dependencies: [
                "DriveAPI",
                "DriveSyncCore",
                "LocalFiles",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // DriveSync as a library: configuration, accounts, locations, and every operation the CLI runs (sync, pull,
        // check, backup, auth, the emulator), returning Kit's results; it re-exports the vocabulary they use.
        .target(
            name: "DriveSyncKit",
            dependencies: [
                "Backup",
                "ContentExtraction",
                "ContentIndex",
                "DriveAPI",
                "DriveAuth",
                "DriveEmulator",
                "DriveRemote",
                "DriveSyncCore",
                "DurableQueue",
                "LocalFiles",
                "LocalRemote",
                "ServiceState",
                "SQLDatabase",
                "SyncEngine",
                "SyncState",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The service (`drivesync serve`, Hummingbird 2): the REST API over Kit — files, folders, accounts,
        // health, metrics — with API keys, one error shape and an audit log.
        .target(
            name: "DriveService",
            dependencies: [
                "DriveSyncKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // The OpenAPI 3.1 description the service answers /openapi.json with.
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        // argument-parser commands, a library so tests can parse them; they reach DriveSync through Kit only
        // (LayeringTests checks their imports).
        .target(
            name: "DriveSyncCommands",
            dependencies: [
                "DriveService",
                "DriveSyncKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "drivesync",
            dependencies: [
                "DriveSyncCommands",
                "DriveSyncKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Throughput, memory and call-rate figures for the client (Benchmarks/README.md).
        .executableTarget(
            name: "DriveAPIBenchmark",
            dependencies: [
                "DriveAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/DriveAPIBenchmark",
            swiftSettings: swiftSettings
        ),
        // Claims and completions per second, and enqueue-to-start latency, of the durable queue.
        .executableTarget(
            name: "QueueBenchmark",
            dependencies: [
                "DurableQueue",
                "SQLDatabase",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/QueueBenchmark",
            swiftSettings: swiftSettings
        ),
        // Files indexed per second, query latency over generated documents, and memory while extracting.
        .executableTarget(
            name: "ContentBenchmark",
            dependencies: [
                "ContentExtraction",
                "ContentIndex",
                "DriveAPI",
                "DriveSyncKit",
                "SQLDatabase",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/ContentBenchmark",
            swiftSettings: swiftSettings
        ),
        // Fixtures shared by the test targets: emulator harness, sync pairs, real drivesync processes, HTTP helpers.
        .target(
            name: "DriveSyncTestSupport",
            dependencies: [
                "DriveSyncCore",
                "DriveEmulator",
                "SQLDatabase",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The queue's conformance suite on SQLite and on PostgreSQL, and its workers.
        .testTarget(
            name: "DurableQueueTests",
            dependencies: [
                "DriveSyncCore",
                "DriveSyncTestSupport",
                "DurableQueue",
                "SQLDatabase",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The service state's conformance suite on SQLite and on PostgreSQL.
        .testTarget(
            name: "ServiceStateTests",
            dependencies: [
                "DriveSyncTestSupport",
                "ServiceState",
                "SQLDatabase",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContentIndexTests",
            dependencies: [
                "ContentIndex",
                "DriveSyncTestSupport",
                "SQLDatabase",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContentExtractionTests",
            dependencies: ["ContentExtraction", "DriveSyncCore"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DriveSyncCoreTests",
            dependencies: [
                "DriveSyncCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DriveEmulatorTests",
            dependencies: [
                "DriveEmulator",
                "DriveSyncTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DriveAPITests",
            dependencies: [
                "DriveAPI",
                "DriveSyncCore",
                "DriveEmulator",
                "DriveSyncTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The engine against the emulator: first sync, changes feed, faults, kills, awkward names, large trees.
        .testTarget(
            name: "SyncEndToEndTests",
            dependencies: [
                "DriveAPI",
                "DriveEmulator",
                "DriveRemote",
                "DriveSyncCore",
                "DriveSyncTestSupport",
                "SyncEngine",
                "SyncState",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DriveRemoteTests",
            dependencies: [
                "DriveRemote",
                "DriveEmulator",
                "DriveAPI",
                "DriveSyncCore",
                "DriveSyncTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SyncEngineTests",
            dependencies: [
                "SyncEngine",
                "SyncState",
                "DriveSyncCore",
                "DriveSyncTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SyncStateTests",
            dependencies: ["SyncState", "DriveSyncCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LocalRemoteTests",
            dependencies: [
                "LocalRemote",
                "DriveSyncCore",
                "DriveSyncTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BackupTests",
            dependencies: ["Backup", "DriveSyncCore", "SyncEngine"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DriveAuthTests",
            dependencies: [
                "DriveAPI",
                "DriveAuth",
                "DriveEmulator",
                "DriveSyncCore",
                "DriveSyncTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DriveSyncKitTests",
            dependencies: [
                "Backup",
                "DriveAPI",
                "DriveAuth",
                "DriveSyncCore",
                "DriveSyncKit",
                "DriveSyncTestSupport",
                "ServiceState",
                "SyncEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DriveSyncCommandsTests",
            dependencies: [
                "DriveSyncCommands",
                "DriveSyncCore",
                "DriveSyncKit",
                "DriveSyncTestSupport",
                "DriveEmulator",
                "SyncEngine",
                "SyncState",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DriveServiceTests",
            dependencies: [
                "DriveAPI",
                "DriveEmulator",
                "DriveService",
                "DriveSyncKit",
                "DriveSyncTestSupport",
                "ServiceState",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
