public import DriveSyncCore
import Crypto
import Foundation
import NIOCore
import SyncEngine

extension DriveSync {
    /// How a local folder and a location compare, file by file, by MD5.
    public struct CheckReport: Sendable, Hashable {
        public var identical: [RemotePath] = []
        public var differing: [RemotePath] = []
        public var missingOnDestination: [RemotePath] = []
        public var missingInSource: [RemotePath] = []

        public var isIdentical: Bool { differing.isEmpty && missingOnDestination.isEmpty && missingInSource.isEmpty }
    }

    /// Compares `source` with `destination` by content (`drivesync check`). Remotes that report MD5s are
    /// not read; others are hashed as they stream.
    public func check(source: String, destination: Location) async throws -> CheckReport {
        let source = URL(fileURLWithPath: source).standardizedFileURL.path
        let scan = try LocalScanner(options: .init(extraIgnores: configuration.ignore)).scan(root: source)
        let archive = configuration.archiveFolder
        let checkers = configuration.checkers
        return try await withRemote(destination) { remote in
            let entries = try await remote.listRecursively(skipping: archive)
            let remoteFiles = Dictionary(entries.filter { !$0.isFolder }.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
            let localFiles = scan.items.filter { $0.kind == .file && !archive.contains($0.path) }
            var report = CheckReport()
            let localPaths = Set(localFiles.map(\.path))
            report.missingInSource = remoteFiles.keys.filter { !localPaths.contains($0) }.sorted()
            try await withThrowingTaskGroup(of: (RemotePath, Bool?).self) { group in
                var pending = localFiles.makeIterator()
                func startNext() {
                    guard let item = pending.next() else { return }
                    let other = remoteFiles[item.path]
                    group.addTask {
                        guard let other else { return (item.path, nil) }
                        guard other.size == item.size else { return (item.path, false) }
                        let local = try SyncSession.md5(ofFile: source + "/" + item.path.description)
                        let remoteMD5: String
                        if let md5 = other.md5 { remoteMD5 = md5 } else { remoteMD5 = try await Self.md5(of: item.path, on: remote) }
                        return (item.path, local == remoteMD5)
                    }
                }
                for _ in 0..<checkers { startNext() }
                while let (path, same) = try await group.next() {
                    switch same {
                    case nil: report.missingOnDestination.append(path)
                    case true?: report.identical.append(path)
                    case false?: report.differing.append(path)
                    }
                    startNext()
                }
            }
            report.identical.sort()
            report.differing.sort()
            report.missingOnDestination.sort()
            return report
        }
    }

    static func md5(of path: RemotePath, on remote: any Remote) async throws -> String {
        try await remote.read(path, range: nil) { stream in
            var hasher = Insecure.MD5()
            for try await buffer in stream { buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) } }
            return Hex.lowercase(hasher.finalize())
        }
    }
}
