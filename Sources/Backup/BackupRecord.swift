import DriveSyncCore
public import Foundation

/// The small JSON record written beside every backup: what was done, how much, how long, and the
/// changelog.
public struct BackupRecord: Codable, Sendable, Hashable {
    public struct Entry: Codable, Sendable, Hashable {
        public var path: String
        public var change: BackupStep.Change
    }

    public enum Mode: String, Codable, Sendable { case snapshot, versioned }

    public var version: String
    public var time: String
    public var source: String
    public var mode: Mode
    public var note: String?
    public var copied = 0
    public var copiedBytes: Int64 = 0
    public var linked = 0
    public var linkedBytes: Int64 = 0
    public var removed = 0
    public var removedBytes: Int64 = 0
    public var unchanged = 0
    public var durationSeconds = 0.0
    /// True when some unchanged files were copied because hard links were impossible there.
    public var linksFellBackToCopies = false
    public var changelog: [Entry] = []

    public init(version: String, time: Date, source: String, mode: Mode, note: String?) {
        self.version = version
        self.time = DriveTimestamp.format(time)
        self.source = source
        self.mode = mode
        self.note = note
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    static func read(from path: String) throws -> BackupRecord {
        try JSONDecoder().decode(BackupRecord.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
