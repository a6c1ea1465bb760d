import ArgumentParser
import DriveSyncKit
import Foundation

/// `drivesync cat PATH`: stream a file to standard output.
struct CatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Stream a file to standard output, whole or a byte range.",
        discussion: """
            Examples:
              drivesync cat drive:MemoryVDB/notes.md
              drivesync cat drive:Backups/big.tar --range 0-1048575
              drivesync cat drive:Backups/big.tar --checksum | tar -x
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "drive:PATH/FILE, NAME:PATH/FILE or a local file.")
    var location: String

    @Option(help: "Bytes START-END (inclusive, as HTTP Range), or START- for the rest of the file.")
    var range: String?

    @Flag(
        help:
            "Check a whole file's MD5 as it streams (slower than the network); a mismatch exits with an error at the end."
    )
    var checksum = false

    /// `START-END` as a half-open range (`START-` reads to the end).
    static func parseRange(_ text: String) -> Range<Int64>? {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int64(parts[0]), start >= 0 else { return nil }
        if parts[1].isEmpty { return start..<Int64.max }
        guard let end = Int64(parts[1]), end >= start else { return nil }
        return start..<(end + 1)
    }

    func validate() throws {
        if let range, Self.parseRange(range) == nil {
            throw ValidationError("--range takes START-END or START- (bytes), not '\(range)'.")
        }
    }

    func run() async throws {
        let bytes = range.flatMap(Self.parseRange)
        try await reportingErrors {
            let driveSync = try global.driveSync()
            try await driveSync.write(
                try await global.location(location, in: driveSync),
                range: bytes,
                verify: checksum,
                to: STDOUT_FILENO,
                named: "standard output"
            )
        }
    }
}
