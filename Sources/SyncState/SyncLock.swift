public import DriveSyncCore
public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One sync at a time per state: a lock file beside the state naming its holder. A lock left by a
/// process that no longer runs (on this host) is recovered.
public struct SyncLock: Sendable {
    public let path: String

    struct Holder: Codable, Equatable {
        var pid: Int32
        var host: String
        var started: Double
    }

    /// Another live process holds the lock.
    public struct Held: UserFacingError {
        public var path: String
        public var pid: Int32
        public var host: String
        public var started: Date
        public var description: String {
            "another sync (process \(pid) on \(host), started \(started)) is using this state; wait for it to finish, or delete \(path) if that process is gone"
        }
    }

    /// Takes the lock at `path`, recovering a stale one.
    public static func acquire(at path: String) throws -> SyncLock {
        let me = Holder(pid: getpid(), host: ProcessInfo.processInfo.hostName, started: Date().timeIntervalSince1970)
        let body = try JSONEncoder().encode(me)
        for _ in 0..<2 {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if descriptor >= 0 {
                _ = body.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                close(descriptor)
                return SyncLock(path: path)
            }
            guard errno == EEXIST else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
            let holder = (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap {
                try? JSONDecoder().decode(Holder.self, from: $0)
            }
            if let holder, holder.host == me.host, !isAlive(holder.pid) {
                try? FileManager.default.removeItem(atPath: path)  // stale: its process is gone
                continue
            }
            throw Held(
                path: path,
                pid: holder?.pid ?? 0,
                host: holder?.host ?? "?",
                started: Date(timeIntervalSince1970: holder?.started ?? 0)
            )
        }
        throw Held(path: path, pid: 0, host: "?", started: Date(timeIntervalSince1970: 0))
    }

    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    public func release() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
