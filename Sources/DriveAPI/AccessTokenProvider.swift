/// Supplies access tokens to the client. The OAuth module provides refreshing ones; tests and the
/// embedded drive use `FixedAccessToken`.
public protocol AccessTokenProvider: Sendable {
    /// A token valid now.
    func accessToken() async throws -> String
    /// Called once after Drive refused `rejected` with 401; returns a fresh token or throws.
    func refreshedToken(after rejected: String) async throws -> String
}

/// A token that never changes (the emulator's fixed tokens, scripts).
public struct FixedAccessToken: AccessTokenProvider {
    let token: String

    public init(_ token: String) { self.token = token }

    public func accessToken() async throws -> String { token }
    public func refreshedToken(after rejected: String) async throws -> String { token }
}
