/// Where a remote notes the ID of a create before making it. A create repeated after a crash reuses the
/// ID, so the server refuses a second copy instead of making a duplicate.
public protocol CreateJournal: Sendable {
    /// The ID a create of `path` is to use: the one an unfinished create noted, else `newID`, noted now.
    func claimID(for path: RemotePath, newID: String) async throws -> String
    /// Notes `id` for `path`, replacing what was noted.
    func recordIntent(_ id: String, for path: RemotePath) async throws
    func clearIntent(for path: RemotePath) async throws
}

/// What is wrong with the credentials behind a failure: retrying will not help until the user signs in.
public enum CredentialProblem: Sendable {
    /// There were no credentials.
    case missing
    /// They were refused or could not be refreshed.
    case rejected
}

/// An error that can tell whether credentials caused it.
public protocol CredentialAwareError: UserFacingError {
    var credentialProblem: CredentialProblem? { get }
}
