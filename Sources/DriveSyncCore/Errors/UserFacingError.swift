/// An error as the user sees it: its `description` is one line that says what went wrong and what to
/// do, and `exitStatus` is what the process exits with. The command line reports every error through
/// this protocol, whatever module it comes from.
public protocol UserFacingError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}

extension UserFacingError {
    public var exitStatus: ExitStatus { .failure }
}

/// The documented exit statuses of `drivesync` (README, `drivesync --help`).
public struct ExitStatus: Hashable, Sendable, CustomStringConvertible {
    public var code: Int32

    public init(code: Int32) { self.code = code }

    public static let success = ExitStatus(code: 0)
    /// Nothing, or not everything, was done; a one-line error says what to do.
    public static let failure = ExitStatus(code: 1)
    /// The run finished but some files failed (they are recorded for `drivesync retry`).
    public static let someFilesFailed = ExitStatus(code: 3)
    /// `check` found differences.
    public static let differences = ExitStatus(code: 4)
    /// Credentials are missing or were refused.
    public static let credentials = ExitStatus(code: 5)
    /// The daily upload cap was reached: everything but the waiting uploads was done; run again later.
    public static let uploadLimit = ExitStatus(code: 6)
    /// The command line was wrong (sysexits' EX_USAGE).
    public static let usage = ExitStatus(code: 64)

    /// Stopped by a signal: 128 plus its number, as shells report it (130 for SIGINT, 143 for SIGTERM).
    public static func signalled(_ signal: Int32) -> ExitStatus { ExitStatus(code: 128 + signal) }

    public var description: String { "\(code)" }
}

extension CredentialAwareError {
    /// Credential failures stop with their own status: retrying cannot help until the user signs in.
    public var exitStatus: ExitStatus { credentialProblem == nil ? .failure : .credentials }
}

/// Whether an error only says the work was cancelled (Ctrl-C, SIGTERM past the grace period, a cancelled
/// task). Cancellation is not a failure: nothing is recorded as failed because of it.
public func isCancellation(_ error: any Error) -> Bool { error.isOrWraps { $0 is CancellationError } }

extension Error {
    /// Whether this error, or one it wraps (`WrappingError`), passes `test`.
    public func isOrWraps(_ test: (any Error) -> Bool) -> Bool {
        if test(self) { return true }
        guard let cause = (self as? any WrappingError)?.underlyingError else { return false }
        return cause.isOrWraps(test)
    }
}

/// An error that keeps the error that caused it, so callers can still inspect the cause.
public protocol WrappingError: Error {
    var underlyingError: (any Error)? { get }
}

/// An error that may be the storage service's daily upload cap (Drive: 750 GB per user per rolling 24
/// hours), after which uploads wait for a later run while everything else goes on.
public protocol UploadCapAwareError: Error {
    var isUploadCap: Bool { get }
}

/// Whether an error, or one it wraps, is the daily upload cap.
public func isUploadCap(_ error: any Error) -> Bool {
    error.isOrWraps { ($0 as? any UploadCapAwareError)?.isUploadCap == true }
}
