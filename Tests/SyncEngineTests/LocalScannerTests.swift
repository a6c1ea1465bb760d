import DriveSyncCore
import Foundation
import SyncEngine
import Testing

struct LocalScannerTests {
    func tree(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(UUID().uuidString)").path
        for (path, content) in files {
            let full = root + "/" + path
            if path.hasSuffix("/") {
                try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
                continue
            }
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try Data(content.utf8).write(to: URL(fileURLWithPath: full))
        }
        return root
    }

    @Test func scansWithIgnoreRulesAndDefaults() throws {
        let root = try tree([
            "a.txt": "hello", "notes/b.md": "b", "notes/.DS_Store": "x", "build/out.o": "o",
            ".drivesyncignore": "build/\n*.log\n", "notes/x.log": "l", "notes/.drivesyncignore": "!keep.log\n",
            "notes/keep.log": "k",
            "empty/": "",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try LocalScanner().scan(root: root)
        #expect(
            result.items.map(\.path.description) == [
                ".drivesyncignore", "a.txt", "empty", "notes", "notes/.drivesyncignore", "notes/b.md", "notes/keep.log",
            ]
        )
        #expect(result.items.first { $0.path.description == "a.txt" }?.size == 5)
        #expect(result.items.first { $0.path.description == "empty" }?.kind == .folder)
        #expect(result.isComplete)
    }

    @Test func itemsComeOutInPathOrder() throws {
        // Byte order, a folder right before its contents: "a/b" sorts before "a-c" though "/" > "-".
        let root = try tree(["a/b/c": "", "a-c": "", "a.txt": "", "a b": "", "Z": "", "\u{E9}": "", "b/": ""])
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Canonically equal to "\u{E9}" as a Swift String, another file on Linux: outside the dictionary.
        try Data().write(to: URL(fileURLWithPath: root + "/e\u{301}"))
        let paths = try LocalScanner().scan(root: root).items.map(\.path)
        #expect(paths == paths.sorted())
        #expect(
            paths.map(\.description) == ["Z", "a", "a/b", "a/b/c", "a b", "a-c", "a.txt", "b", "e\u{301}", "\u{E9}"]
        )
    }

    @Test func skipsSymlinksWithAWarningUnlessFollowing() throws {
        let root = try tree(["real/f.txt": "f"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/real")
        try FileManager.default.createSymbolicLink(atPath: root + "/real/loop", withDestinationPath: root)
        let plain = try LocalScanner().scan(root: root)
        #expect(plain.items.map(\.path.description) == ["real", "real/f.txt"])
        #expect(plain.warnings.contains(.symlinkSkipped("link")))
        let followed = try LocalScanner(options: .init(followSymlinks: true)).scan(root: root)
        #expect(followed.items.map(\.path.description).contains("link/f.txt"))
        #expect(followed.warnings.contains(.symlinkSkipped("real/loop")), "a link back to an ancestor is not followed")
    }

    @Test(.enabled(if: getuid() != 0, "root reads every folder, so none can be made unreadable"))
    func unreadableFoldersMakeTheScanIncomplete() throws {
        let root = try tree(["locked/secret.txt": "s", "open.txt": "o"])
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/locked")
            try? FileManager.default.removeItem(atPath: root)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: root + "/locked")
        let result = try LocalScanner().scan(root: root)
        #expect(!result.isComplete)
        #expect(result.items.map(\.path.description).contains("open.txt"))
    }

    @Test func aMissingSourceIsAClearError() {
        #expect(throws: ScanError.self) { try LocalScanner().scan(root: "/nonexistent/\(UUID().uuidString)") }
    }
}
