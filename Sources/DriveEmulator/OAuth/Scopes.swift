/// Drive's OAuth scopes, as the emulator grants and enforces them.
enum Scopes {
    static let prefix = "https://www.googleapis.com/auth/"
    static let full = prefix + "drive"
    static let file = prefix + "drive.file"
    static let appData = prefix + "drive.appdata"
    /// Scopes that may change files; tokens without one get 403 `insufficientPermissions` on writes.
    static let writing: Set<String> = [full, file, appData]
    /// Scopes that may read files.
    static let reading = writing.union(
        ["drive.readonly", "drive.metadata.readonly", "drive.metadata", "drive.photos.readonly"].map { prefix + $0 }
    )
    /// Scopes that see more than the files their app created.
    static let beyondAppFiles: Set<String> = [
        full, prefix + "drive.readonly", prefix + "drive.metadata", prefix + "drive.metadata.readonly",
    ]
}
