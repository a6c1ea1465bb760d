import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync ls PATH`: every file below a folder with its size, as rclone's `ls`.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the files below a folder (recursively) with their sizes.",
        discussion: "Example: drivesync ls drive:MemoryVDB"
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "drive:PATH, NAME:PATH or a local folder.")
    var location: String

    func run() async throws {
        let entries = try await reportingErrors { try await list(global: global, location, recursive: true) }
        for entry in entries where !entry.isFolder {
            let size = String(entry.size)
            print(String(repeating: " ", count: max(0, 9 - size.count)) + size + " " + entry.path.description)
        }
    }
}

/// `drivesync lsjson PATH`: entries as a JSON array, as rclone's `lsjson`.
struct ListJSONCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsjson",
        abstract: "List a folder's entries as JSON (Path, Name, Size, MimeType, ModTime, IsDir, ID, Hashes).",
        discussion: "Example: drivesync lsjson drive:MemoryVDB --recursive"
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "drive:PATH, NAME:PATH or a local folder.")
    var location: String

    @Flag(
        name: [.short, .customShort("R"), .long],
        help: "Include everything below, not only the folder's own entries (-R too, as rclone)."
    )
    var recursive = false

    struct Item: Encodable {
        var Path: String
        var Name: String
        var Size: Int64
        var MimeType: String?
        var ModTime: String
        var IsDir: Bool
        var ID: String?
        var Hashes: [String: String]?
    }

    func run() async throws {
        let entries = try await reportingErrors { try await list(global: global, location, recursive: recursive) }
        let items = entries.map { entry in
            Item(
                Path: entry.path.description,
                Name: entry.path.name,
                Size: entry.isFolder ? -1 : entry.size,
                MimeType: entry.mimeType,
                ModTime: DriveTimestamp.format(entry.modified),
                IsDir: entry.isFolder,
                ID: entry.id,
                Hashes: entry.md5.map { ["md5": $0] }
            )
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(items), as: UTF8.self))
    }
}

/// The entries of a folder location, sorted.
private func list(global: GlobalOptions, _ text: String, recursive: Bool) async throws -> [RemoteEntry] {
    let driveSync = try global.driveSync()
    return try await driveSync.withRemote(try await global.location(text, in: driveSync)) { remote in
        recursive ? try await remote.listRecursively() : try await remote.list(.root)
    }
}

/// `drivesync mkdir PATH`: make a folder and its parents.
struct MakeFolderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mkdir",
        abstract: "Make a folder (and its parents) on Drive or locally.",
        discussion: "Example: drivesync mkdir drive:Projects/2026"
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "drive:PATH, NAME:PATH or a local folder.")
    var location: String

    func run() async throws {
        try await reportingErrors {
            let driveSync = try global.driveSync()
            let target = try await global.location(location, in: driveSync)
            try await driveSync.withRemote(target, create: true) { _ in }
            print("made \(target)")
        }
    }
}
