#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// Files written so that a reader, or a crash, sees the old content or the new one, never half: the bytes
/// go to a temporary file beside the target, which is flushed (when `durable`), given its modification
/// time and renamed into place. Every writer of whole files uses it: credentials, backup records and
/// copies, the local remote's uploads, pulled files.
public enum AtomicFile {
    /// Writes `bytes` to `path` with `permissions`.
    public static func write(
        _ bytes: some Collection<UInt8>,
        to path: String,
        permissions: mode_t = 0o644,
        durable: Bool = true
    ) throws(FileError) {
        let temporary = temporaryName(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard descriptor >= 0 else { throw FileError("create", temporary) }
        do throws(FileError) {
            let failure = Array(bytes).withUnsafeBytes { buffer in
                Result { () throws(FileError) in try writeAll(descriptor, buffer, path: temporary) }
            }
            try failure.get()
            try commit(temporary, descriptor: descriptor, to: path, modified: nil, durable: durable)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Copies `source` to `target`, giving the copy `modified` and `permissions` (the source's own when
    /// `nil`). A fixed `temporary` name lets a later run overwrite what a killed one left.
    public static func copy(
        from source: String,
        to target: String,
        modified: timespec? = nil,
        temporary fixedTemporary: String? = nil,
        permissions: mode_t? = nil,
        durable: Bool = false
    ) throws(FileError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileError("read", source) }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw FileError("read", source) }
        let temporary = fixedTemporary ?? temporaryName(for: target)
        let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (fixedTemporary == nil ? O_EXCL : 0)
        let output = open(temporary, flags, 0o600)
        guard output >= 0 else { throw FileError("create", temporary) }
        do throws(FileError) {
            guard fchmod(output, permissions ?? info.st_mode & 0o7777) == 0 else {
                throw FileError("set the permissions of", temporary)
            }
            try copyContent(from: input, to: output, source: source, temporary: temporary)
            #if canImport(Darwin)
            let sourceTime = info.st_mtimespec
            #else
            let sourceTime = info.st_mtim
            #endif
            try commit(temporary, descriptor: output, to: target, modified: modified ?? sourceTime, durable: durable)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// The last step of every atomic write: flushes `temporary` (when `durable`), sets its modification
    /// time, closes it and renames it to `path`. The descriptor is closed whatever happens.
    public static func commit(
        _ temporary: String,
        descriptor: Int32,
        to path: String,
        modified: timespec?,
        durable: Bool
    ) throws(FileError) {
        defer { close(descriptor) }
        if durable, fsync(descriptor) != 0 { throw FileError("flush", temporary) }
        if let modified {
            var times = [modified, modified]
            guard futimens(descriptor, &times) == 0 else { throw FileError("set the time of", temporary) }
        }
        guard rename(temporary, path) == 0 else { throw FileError("move into place", path) }
    }

    /// A name beside `path` that no other writer uses.
    static func temporaryName(for path: String) -> String {
        path + ".drivesync-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).partial"
    }

    /// Copies in the kernel (`sendfile`) where it can, else through a 1 MiB buffer.
    private static func copyContent(
        from input: Int32,
        to output: Int32,
        source: String,
        temporary: String
    ) throws(FileError) {
        #if os(Linux)
        while true {
            let sent = sendfile(output, input, nil, 1 << 30)
            if sent > 0 { continue }
            if sent == 0 { return }
            if errno == EINTR { continue }
            if errno == EINVAL || errno == ENOSYS { break }  // not between these files: the loop below copies
            throw FileError("copy \(source) to", temporary)
        }
        #endif
        try readAll(input, path: source) { piece throws(FileError) in try writeAll(output, piece, path: temporary) }
    }
}

extension timespec {
    /// A file time from milliseconds since 1970 (Drive's and the state's unit), negative ones included.
    public init(milliseconds: Int64) {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        self.init(tv_sec: Int(seconds), tv_nsec: Int(milliseconds - seconds * 1000) * 1_000_000)
    }
}
