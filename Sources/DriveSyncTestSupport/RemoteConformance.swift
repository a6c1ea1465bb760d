public import DriveSyncCore
import Foundation
import NIOCore

/// One behaviour suite for every `Remote` (rclone's fstests): each backend must pass all of it.
public enum RemoteConformance {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(description: message()) }
    }

    static func expectError(_ code: RemoteError.Code, _ message: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as RemoteError {
            try check(error.code == code, "\(message): expected \(code), got \(error.code)")
            return
        }
        throw Failure(description: "\(message): expected \(code), got success")
    }

    static func write(
        _ text: String,
        to remote: some Remote,
        at path: RemotePath,
        modified: Date
    ) async throws -> RemoteEntry {
        let local = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)")
        try Data(text.utf8).write(to: local)
        defer { try? FileManager.default.removeItem(at: local) }
        return try await remote.upload(from: local.path, to: path, modified: modified)
    }

    static func readAll(_ remote: some Remote, _ path: RemotePath, range: Range<Int64>? = nil) async throws -> String {
        try await remote.read(path, range: range) { stream in
            var text = ""
            for try await buffer in stream { text += String(buffer: buffer) }
            return text
        }
    }

    /// Runs every check against a remote whose root starts empty.
    public static func run(_ remote: some Remote) async throws {
        let precision = remote.capabilities.modificationTimePrecision
        let modified = Date(timeIntervalSince1970: 1_714_566_896.789)
        try check(try await remote.list(.root).isEmpty, "a new remote's root is empty")

        // Folders: created with parents, idempotent.
        let deep = try RemotePath("a/b/c")
        let folder = try await remote.makeFolder(deep)
        try check(folder.isFolder && folder.path == deep, "makeFolder returns the folder")
        _ = try await remote.makeFolder(deep)
        try check(try await remote.list(try RemotePath("a/b")).map(\.path) == [deep], "makeFolder is idempotent")

        // Files: content, size, modification time at the remote's precision, overwrite.
        let name = #"it's "quoted" \ ünïcödé.txt"#
        let path = try deep.appending(name)
        let file = try await write("hello", to: remote, at: path, modified: modified)
        try check(file.size == 5 && file.kind == .file, "upload reports the size")
        let stored = try await remote.entry(at: path)
        try check(stored?.size == 5, "entry(at:) finds the file")
        let drift = abs(stored!.modified.timeIntervalSince(modified))
        try check(
            drift <= max(0.001, Double(precision.components.attoseconds) / 1e18 + Double(precision.components.seconds)),
            "modification time is kept (off by \(drift) s)"
        )
        try check(try await readAll(remote, path) == "hello", "content round-trips")
        try check(try await readAll(remote, path, range: 1..<4) == "ell", "ranged reads")
        _ = try await write("replaced!", to: remote, at: path, modified: modified)
        try check(try await readAll(remote, path) == "replaced!", "upload replaces content")
        try check(try await remote.list(deep).count == 1, "replacing does not duplicate")
        _ = try await write("", to: remote, at: try RemotePath("empty.txt"), modified: modified)
        try check(try await remote.entry(at: try RemotePath("empty.txt"))?.size == 0, "empty files")

        // Listing is sorted and shows kinds.
        let listed = try await remote.list(.root)
        try check(
            listed.map(\.path.description) == ["a", "empty.txt"],
            "root lists a folder and a file in order, got \(listed.map(\.path.description))"
        )
        try check(listed.first?.isFolder == true, "folders are folders")

        // Errors.
        try await expectError(.notFound, "listing a missing folder") {
            _ = try await remote.list(try RemotePath("missing"))
        }
        try await expectError(.notAFolder, "listing a file") { _ = try await remote.list(try RemotePath("empty.txt")) }
        try await expectError(.notAFolder, "a folder through a file") {
            _ = try await remote.makeFolder(try RemotePath("empty.txt/x"))
        }
        try check(try await remote.entry(at: try RemotePath("nope")) == nil, "entry(at:) of nothing is nil")

        // Moves and removal.
        let renamed = try RemotePath("a/renamed")
        _ = try await remote.move(try RemotePath("a/b"), to: renamed)
        try check(
            try await readAll(remote, try renamed.appending("c").appending(name)) == "replaced!",
            "moving a folder moves its contents"
        )
        try check(try await remote.entry(at: try RemotePath("a/b")) == nil, "the old path is gone")
        try await expectError(.alreadyExists, "moving onto an existing entry") {
            _ = try await remote.move(try RemotePath("empty.txt"), to: renamed)
        }
        try await remote.remove(try RemotePath("a"), toTrash: false)
        try check(
            try await remote.list(.root).map(\.path.description) == ["empty.txt"],
            "removing a folder removes its contents"
        )
        try await expectError(.notFound, "removing nothing") {
            try await remote.remove(try RemotePath("a"), toTrash: false)
        }
    }
}
