import Crypto
public import DriveSyncCore
import Foundation
import LocalFiles
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
        let scanner = LocalScanner(options: .init(extraIgnores: configuration.ignore))
        let scan = try await offload { try scanner.scan(root: source) }
        let archive = configuration.archiveFolder
        let checkers = configuration.checkers
        return try await withRemote(destination) { remote in
            let entries = try await remote.listRecursively(skipping: archive)
            let remoteFiles = Dictionary(
                entries.filter { !$0.isFolder }.map { ($0.path, $0) },
                uniquingKeysWith: { first, _ in first }
            )
            let localFiles = scan.items.filter { $0.kind == .file && !archive.contains($0.path) }
            var report = CheckReport()
            let localPaths = Set(localFiles.map(\.path))
            report.missingInSource = remoteFiles.keys.filter { !localPaths.contains($0) }.sorted()
            var failure: (any Error)?
            await forEachConcurrently(localFiles, limit: checkers, while: { failure == nil }) {
                item -> Result<(RemotePath, Bool?), any Error> in
                guard let other = remoteFiles[item.path] else { return .success((item.path, nil)) }
                guard other.size == item.size else { return .success((item.path, false)) }
                do {
                    let local = try await offload { try FileDigest.md5(ofFile: source + "/" + item.path.description) }
                    let remoteMD5: String
                    if let md5 = other.md5 {
                        remoteMD5 = md5
                    } else {
                        remoteMD5 = try await Self.md5(of: item.path, on: remote)
                    }
                    return .success((item.path, local == remoteMD5))
                } catch {
                    return .failure(error)
                }
            } absorb: { outcome in
                switch outcome {
                case .success((let path, nil)): report.missingOnDestination.append(path)
                case .success((let path, true?)): report.identical.append(path)
                case .success((let path, false?)): report.differing.append(path)
                case .failure(let error): failure = failure ?? error
                }
            }
            if let failure { throw failure }
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
