import Foundation
import Testing

/// The commands reach the rest of DriveSync through `DriveSyncKit` only: every file of the
/// `DriveSyncCommands` target imports nothing else but ArgumentParser and the platform.
struct LayeringTests {
    static let allowed: Set<String> = [
        "ArgumentParser", "DriveSyncKit", "Foundation", "FoundationEssentials", "Glibc", "Darwin", "Synchronization",
    ]

    static var commandsFolder: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/DriveSyncCommands")
    }

    /// The modules a Swift file imports, whatever the import's attributes and access level.
    static func imports(of source: String) -> [String] {
        source.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").filter { !$0.hasPrefix("@") }
            guard let keyword = words.firstIndex(of: "import") else { return nil }
            guard words[..<keyword].allSatisfy({ ["public", "package", "internal", "private"].contains($0) }),
                keyword + 1 < words.count
            else { return nil }
            // `import struct Module.Type` names the module before the dot.
            let named = words.count > keyword + 2 ? words[keyword + 2] : words[keyword + 1]
            return String(named.split(separator: ".")[0])
        }
    }

    @Test func importsAreFoundOnEveryForm() {
        let source = """
            import ArgumentParser
            public import DriveSyncKit
            @testable import SyncEngine
            @_exported import struct Backup.BackupRecord
            // import Commented
            let important = 1
            """
        #expect(Self.imports(of: source) == ["ArgumentParser", "DriveSyncKit", "SyncEngine", "Backup"])
    }

    @Test func commandsImportOnlyKitArgumentParserAndThePlatform() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.commandsFolder.path)
            .filter { $0.hasSuffix(".swift") }
        #expect(files.count > 5, "the commands' sources are found")
        for file in files {
            let source = try String(contentsOf: Self.commandsFolder.appendingPathComponent(file), encoding: .utf8)
            // `serve` starts the service, which sits beside the commands on top of Kit.
            let allowed = file == "ServeCommand.swift" ? Self.allowed.union(["DriveService"]) : Self.allowed
            let extra = Set(Self.imports(of: source)).subtracting(allowed)
            #expect(extra.isEmpty, "\(file) imports \(extra.sorted())")
        }
    }
}
