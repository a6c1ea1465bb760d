public import DriveSyncCore
import LocalFiles
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One upload attempt, as a line of the upload log.
public struct UploadLogEntry: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Hashable, Sendable {
        case success
        case fail
        /// Nothing to send: the remote already had this content.
        case skipped
        case tokenMissing = "token_missing"
        case authFailed = "auth_failed"

        /// The status of a failed attempt: what the credentials' problem says, else `fail`.
        public init(failureWith problem: CredentialProblem?) {
            switch problem {
            case .missing: self = .tokenMissing
            case .rejected: self = .authFailed
            case nil: self = .fail
            }
        }
    }

    public var timestamp: String
    public var file: String
    public var status: Status
    /// Attempts so far for this file, counting earlier failed runs.
    public var attempts: Int
    public var tags: [String]
    public var note: String?
    public var remote_path: String
    public var remote_id: String?
    public var bytes: Int64
    public var md5: String?
    public var error: String?

    public init(
        timestamp: String,
        file: String,
        status: Status,
        attempts: Int,
        tags: [String] = [],
        note: String? = nil,
        remote_path: String,
        remote_id: String? = nil,
        bytes: Int64 = 0,
        md5: String? = nil,
        error: String? = nil
    ) {
        self.timestamp = timestamp
        self.file = file
        self.status = status
        self.attempts = attempts
        self.tags = tags
        self.note = note
        self.remote_path = remote_path
        self.remote_id = remote_id
        self.bytes = bytes
        self.md5 = md5
        self.error = error
    }
}

/// A remote copy kept aside before it was replaced or removed, as a line of the archive log.
public struct ArchiveLogEntry: Codable, Hashable, Sendable {
    public var timestamp: String
    public var file: String
    public var archived_as: String
    /// MD5 of the copy that was kept aside.
    public var input_hash: String?
    public var reason: String

    public init(timestamp: String, file: String, archived_as: String, input_hash: String?, reason: String) {
        self.timestamp = timestamp
        self.file = file
        self.archived_as = archived_as
        self.input_hash = input_hash
        self.reason = reason
    }
}

/// One thing a pull did to a local file, as a line of the pull log.
public struct PullLogEntry: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Hashable, Sendable {
        case downloaded
        case exported
        /// Renamed locally because it moved on Drive.
        case moved
        /// Already there: recorded, not fetched.
        case adopted
        /// Moved to DriveSync's trash (`--delete`).
        case trashed
        /// Local edits moved to DriveSync's trash before Drive's version took their place.
        case keptAside = "kept_aside"
        /// Pulled under a safe name (`moved_to`), or left out (`error` says why).
        case renamed
        case skipped
        case failed
    }

    public var timestamp: String
    /// The local path, relative to the pull's folder.
    public var file: String
    public var status: Status
    public var drive_id: String?
    public var bytes: Int64
    public var md5: String?
    /// Where a moved, trashed, kept-aside or renamed file went.
    public var moved_to: String?
    /// Why a file was renamed or skipped.
    public var reason: String?
    public var error: String?

    public init(
        timestamp: String,
        file: String,
        status: Status,
        drive_id: String? = nil,
        bytes: Int64 = 0,
        md5: String? = nil,
        moved_to: String? = nil,
        reason: String? = nil,
        error: String? = nil
    ) {
        self.timestamp = timestamp
        self.file = file
        self.status = status
        self.drive_id = drive_id
        self.bytes = bytes
        self.md5 = md5
        self.moved_to = moved_to
        self.reason = reason
        self.error = error
    }
}

/// A log of one JSON object per line. The file is opened on the first entry and kept open; each line
/// goes out in one `write` to a file opened with `O_APPEND`, from the file thread pool, so lines from
/// concurrent tasks and processes never interleave and a crash loses at most the line being written.
public final class JSONLinesLog: Sendable {
    public let path: String
    private let descriptor = Mutex<Int32>(-1)

    public init(path: String) { self.path = path }

    deinit {
        descriptor.withLock { if $0 >= 0 { close($0) } }
    }

    public func append(_ entry: some Encodable) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        try await offload { [line] in
            try self.descriptor.withLock { descriptor in
                if descriptor < 0 { descriptor = try self.openForAppending() }
                let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                guard written == line.count else {
                    throw LogError(
                        path: self.path,
                        reason: written < 0 ? String(cString: strerror(errno)) : "short write"
                    )
                }
            }
        }
    }

    private func openForAppending() throws -> Int32 {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw LogError(path: path, reason: String(cString: strerror(errno))) }
        return descriptor
    }

    /// Every entry in the log, oldest first (lines that do not decode are skipped).
    public func entries<Entry: Decodable>(as type: Entry.Type) throws -> [Entry] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Entry.self, from: Data($0)) }
    }

    public struct LogError: UserFacingError {
        public var path: String
        public var reason: String
        public var description: String { "cannot write the log \(path): \(reason)" }
    }
}

/// Where syncs and pulls write their logs; any may be off.
public struct SyncLogs: Sendable {
    public var uploads: JSONLinesLog?
    public var archives: JSONLinesLog?
    public var pulls: JSONLinesLog?

    public init(uploads: JSONLinesLog? = nil, archives: JSONLinesLog? = nil, pulls: JSONLinesLog? = nil) {
        self.uploads = uploads
        self.archives = archives
        self.pulls = pulls
    }
}
