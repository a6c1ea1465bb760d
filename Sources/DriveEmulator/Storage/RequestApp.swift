/// The OAuth client behind the request being handled, as Drive tracks it: files remember the app that
/// created them, and a token granted only `drive.file` sees just those files.
enum RequestApp {
    /// The client id of the request's token (`nil` for fixed tokens).
    @TaskLocal static var creator: String?
    /// Set when the token's only Drive scope is `drive.file`: the app whose files are visible.
    @TaskLocal static var restriction: String?

    /// The restriction a token's scopes impose, if any.
    static func restriction(scopes: [String]?, clientId: String?) -> String? {
        guard let scopes, scopes.contains(Scopes.file), !scopes.contains(where: Scopes.beyondAppFiles.contains) else {
            return nil
        }
        return clientId ?? "unknown-client"
    }
}
