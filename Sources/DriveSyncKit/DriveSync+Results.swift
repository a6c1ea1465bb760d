public import SyncEngine

extension DriveSync {
    /// What a sync did (or, in a dry run, would do).
    public typealias SyncOutcome = SyncSession.Outcome
    /// What a pull did.
    public typealias PullOutcome = PullSession.Outcome
    /// What a pull does with shortcuts: follow them or skip them.
    public typealias Shortcuts = PullLayout.Shortcuts

    /// The export preferences `--export-formats` names (`docx,xlsx,pdf`), checked.
    public static func exportPreferences(parsing text: String) throws -> [String] {
        try ExportFormat.preferences(parsing: text)
    }
}
