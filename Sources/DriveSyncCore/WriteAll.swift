#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes every byte to a file descriptor, across short writes and interruptions.
public func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(WriteFailure) {
    var done = 0
    while done < bytes.count {
        let count = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { throw WriteFailure(code: errno) }
        done += count
    }
}

public struct WriteFailure: UserFacingError {
    public var code: Int32
    public var description: String { "cannot write: \(String(cString: strerror(code)))" }
}
