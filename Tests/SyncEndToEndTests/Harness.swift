import AsyncHTTPClient
import Crypto
import DriveAPI
import DriveEmulator
import DriveRemote
import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import Logging
import SyncEngine
import SyncState

/// A local folder, a sync state and a Drive folder on a running emulator: one sync pair.
struct DrivePair: Sendable {
    let emulator: RunningEmulator
    let root: String
    let state: StateStore
    let drive: DriveClient
    let target: RemotePath

    init(
        _ emulator: RunningEmulator,
        target: String = "MemoryVDB",
        maxAttempts: Int = 8,
        token: String? = nil,
        pacing: PacingConfiguration = .unlimited
    ) throws {
        self.emulator = emulator
        root = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        state = try StateStore(path: nil)
        drive = DriveClient(
            httpClient: .shared,
            tokens: FixedAccessToken(token ?? emulator.token),
            configuration: .init(
                baseURL: emulator.baseURL,
                retry: RetryPolicy(
                    maxAttempts: maxAttempts,
                    baseDelay: .milliseconds(1),
                    maxDelay: .milliseconds(4),
                    jitter: .zero
                )
            ),
            pacer: RequestPacer(configuration: pacing),
            logger: Self.quietLogger
        )
        self.target = try RemotePath(target)
    }

    /// Retries are expected here (faults are injected); only warnings are worth showing.
    static let quietLogger: Logger = {
        var logger = Logger(label: "drivesync.e2e")
        logger.logLevel = .warning
        return logger
    }()

    func cleanUp() { try? FileManager.default.removeItem(atPath: root) }

    func write(_ path: String, _ text: String, modified: TimeInterval? = nil) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path,
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        if let modified {
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSince1970: modified)],
                ofItemAtPath: full
            )
        }
    }

    func remote() async throws -> DriveFolderRemote {
        try await DriveFolderRemote.atPath(target, drive: drive, journal: state.intents)
    }

    func sync(
        delete: Bool = false,
        transfers: Int = 4,
        at time: TimeInterval? = nil,
        options: SyncExecutor.Options? = nil
    ) async throws -> SyncSession.Outcome {
        let session = SyncSession(
            localRoot: root,
            remote: try await remote(),
            state: state,
            planner: SyncPlanner(options: .init(delete: delete)),
            executorOptions: options ?? .init(transfers: transfers)
        )
        if let time { return try await session.run(now: { Date(timeIntervalSince1970: time) }) }
        return try await session.run()
    }

    /// Every file and folder below the target on Drive, by path, failing on duplicate names.
    /// (`RemotePath` keys compare names by bytes: an NFD name is not its NFC twin.)
    func remoteTree() async throws -> [RemotePath: File] {
        var tree: [RemotePath: File] = [:]
        guard let top = try await remote().entry(at: .root)?.id else { return [:] }
        var pending: [(RemotePath, String)] = [(.root, top)]
        while let (folder, id) = pending.popLast() {
            for file in try await drive.allFiles(
                query: .inParents(id) && .notTrashed,
                fields: "id,name,mimeType,md5Checksum,size"
            ) {
                let path = try folder.appending(file.name!)
                guard path.description != "Archive" else { continue }
                if tree[path] != nil { throw DuplicateName(path: path.description) }
                tree[path] = file
                if file.isFolder { pending.append((path, file.id!)) }
            }
        }
        return tree
    }

    /// Every file and folder below the local root with its MD5 ("" for folders).
    func localTree() throws -> [RemotePath: String] {
        var tree: [RemotePath: String] = [:]
        for item in try LocalScanner().scan(root: root).items {
            tree[item.path] = item.kind == .folder ? "" : try md5(root + "/" + item.path.description)
        }
        return tree
    }

    /// The remote tree as path → MD5 ("" for folders), comparable with `localTree`.
    func remoteDigests() async throws -> [RemotePath: String] {
        try await remoteTree().mapValues { $0.isFolder ? "" : ($0.md5Checksum ?? "?") }
    }

    struct DuplicateName: Error, CustomStringConvertible {
        var path: String
        var description: String { "two remote entries named \(path)" }
    }
}

func md5(_ path: String) throws -> String {
    Hex.lowercase(Insecure.MD5.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))))
}

/// Writes `count` small files spread over `folders` folders.
func writeTree(in pair: DrivePair, files count: Int, folders: Int) throws {
    for index in 0..<count {
        try pair.write("d\(index % folders)/f\(index).txt", "file \(index)\n")
    }
}

/// What differs between two trees, for failure messages.
func difference(_ a: [RemotePath: String], _ b: [RemotePath: String]) -> String {
    var lines: [String] = []
    for (path, value) in a where b[path] != value { lines.append("\(path): \(value) vs \(b[path] ?? "absent")") }
    for path in b.keys where a[path] == nil { lines.append("\(path): absent vs \(b[path]!)") }
    return lines.sorted().joined(separator: "; ")
}
