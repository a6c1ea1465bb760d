public import Crypto
import DriveSyncCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The MD5 of local files, read in 1 MiB pieces: what sync, pull, backup and check compare with Drive's.
public enum FileDigest {
    /// The file's MD5 as lower-case hex.
    public static func md5(ofFile path: String) throws(FileError) -> String {
        var hasher = Insecure.MD5()
        _ = try md5(ofFile: path, into: &hasher)
        return Hex.lowercase(hasher.finalize())
    }

    /// Feeds the file's bytes to `hasher`; returns how many there were.
    public static func md5(ofFile path: String, into hasher: inout Insecure.MD5) throws(FileError) -> Int64 {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError("read", path) }
        defer { close(descriptor) }
        var total: Int64 = 0
        try readAll(descriptor, path: path) { piece in
            hasher.update(bufferPointer: piece)
            total += Int64(piece.count)
        }
        return total
    }
}
