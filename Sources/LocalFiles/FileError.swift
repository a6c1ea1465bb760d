public import DriveSyncCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file operation the system refused, with its `errno`.
public struct FileError: UserFacingError {
    public var operation: String
    public var path: String
    public var code: Int32

    /// The error `errno` holds now.
    public init(_ operation: String, _ path: String) {
        self.init(operation, path, code: errno)
    }

    public init(_ operation: String, _ path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
}
