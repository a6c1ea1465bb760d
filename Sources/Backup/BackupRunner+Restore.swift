public import DriveSyncCore
import Foundation
import LocalFiles
import SyncEngine

extension BackupRunner {
    /// What a restore did.
    public struct RestoreReport: Sendable {
        public var restored: [RemotePath] = []
        public var bytes: Int64 = 0
    }

    /// Restores a version (or the `paths` in it: files, or folders with everything below) into `target`
    /// with the files' modification times, verifying each copy's MD5. Existing files are refused, all
    /// of them named and nothing written, unless `overwrite`.
    public func restore(
        version: String,
        paths: [RemotePath] = [],
        to target: String,
        overwrite: Bool = false
    ) throws -> RestoreReport {
        _ = try record(of: version)
        let root = destination + "/" + version
        let items = try scanTree(root)
        for path in paths where !items.contains(where: { $0.path == path }) {
            throw Failure(.notInVersion, "\(path) is not in version \(version); see drivesync backup show \(version)")
        }
        let chosen = items.filter { item in paths.isEmpty || paths.contains { $0.contains(item.path) } }
        let files = chosen.filter { $0.kind == .file }
        if !overwrite {
            let existing = files.filter { FileManager.default.fileExists(atPath: target + "/" + $0.path.description) }
            if !existing.isEmpty {
                let shown = existing.prefix(5).map(\.path.description).joined(separator: ", ")
                throw Failure(
                    .wouldOverwrite,
                    "\(existing.count) files already exist in \(target) (\(shown)\(existing.count > 5 ? ", …" : "")); restore elsewhere or add --overwrite"
                )
            }
        }
        var report = RestoreReport()
        for item in chosen where item.kind == .folder {
            try FileManager.default.createDirectory(
                atPath: target + "/" + item.path.description,
                withIntermediateDirectories: true
            )
        }
        for item in files {
            let from = root + "/" + item.path.description
            let to = target + "/" + item.path.description
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: to).deletingLastPathComponent().path,
                withIntermediateDirectories: true
            )
            try Self.copy(from: from, to: to)
            guard try FileDigest.md5(ofFile: to) == FileDigest.md5(ofFile: from) else {
                throw Failure(
                    .restoredCopyDiffers,
                    "\(to) does not match the backup after restoring; check the disk and restore again"
                )
            }
            report.restored.append(item.path)
            report.bytes += item.size
        }
        return report
    }

    /// How two versions differ, file by file.
    public struct Difference: Sendable, Hashable {
        public var added: [RemotePath] = []
        public var removed: [RemotePath] = []
        public var modified: [RemotePath] = []

        public init(added: [RemotePath] = [], removed: [RemotePath] = [], modified: [RemotePath] = []) {
            self.added = added
            self.removed = removed
            self.modified = modified
        }
    }

    public func diff(_ older: String, _ newer: String) throws -> Difference {
        _ = try record(of: older)
        _ = try record(of: newer)
        var difference = Difference()
        for (path, change) in BackupPlanner.changes(
            from: try scanTree(destination + "/" + older),
            to: try scanTree(destination + "/" + newer)
        ) {
            switch change {
            case .added: difference.added.append(path)
            case .modified: difference.modified.append(path)
            case .removed: difference.removed.append(path)
            }
        }
        return difference
    }
}
