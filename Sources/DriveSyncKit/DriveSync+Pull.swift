public import DriveSyncCore
import Foundation
public import SyncEngine

extension DriveSync {
    /// One pull of a Drive folder into a local folder.
    public struct PullRequest: Sendable {
        public var source: Location
        /// A shared drive (name or ID) the source path starts at, instead of My Drive.
        public var sharedDrive: String?
        public var destination: String
        public var shortcuts = PullLayout.Shortcuts.follow
        /// Export formats by extension, most wanted first.
        public var exportPreferences = ExportFormat.defaultPreferences
        /// Move local files Drive no longer has to DriveSync's trash.
        public var delete = false
        public var transfers: Int?
        public var dryRun = false
        /// Once requested, no new file starts (graceful shutdown).
        public var stop: StopRequest?
        /// Told as each file is fetched (or fails).
        public var fileFinished: (@Sendable (RemotePath, _ failed: Bool) -> Void)?

        public init(source: Location, destination: String) {
            self.source = source
            self.destination = destination
        }
    }

    /// Runs a pull under the pair's lock, with its own state (the Drive tree and the changes cursor).
    public func pull(_ request: PullRequest) async throws -> PullSession.Outcome {
        guard case .drive = request.source else {
            throw DriveSyncError(
                .wrongKind,
                "\(request.source) is a local folder; pull reads from Drive (drive:PATH or NAME:PATH)"
            )
        }
        let destination = URL(fileURLWithPath: request.destination).standardizedFileURL.path
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isFolder), !isFolder.boolValue {
            throw DriveSyncError(.wrongKind, "\(request.destination) is a file; give the folder to pull into")
        }
        if destination.hasPrefix(home + "/") || destination == home {
            throw DriveSyncError(
                .overlap,
                "\(destination) is inside DriveSync's data folder \(home); choose another folder"
            )
        }
        var pullOptions = PullSession.Options(
            shortcuts: request.shortcuts,
            exportPreferences: request.exportPreferences,
            delete: request.delete,
            transfers: request.transfers ?? configuration.transfers,
            stop: request.stop
        )
        pullOptions.fileFinished = request.fileFinished
        let options = pullOptions
        let logs = self.logs
        let pairName =
            request.sharedDrive.map { "\(request.source) (shared drive \($0))" } ?? request.source.description
        let source = try request.source.inSharedDrive(request.sharedDrive)
        return try await withPair(source: pairName, destination: .local(destination)) { state in
            try await withRemote(source, state: state) { remote in
                guard let tree = remote as? any RemoteTree else {
                    throw DriveSyncError(.wrongKind, "\(request.source) cannot be pulled: it is not a Drive folder")
                }
                return try await PullSession(
                    remote: tree,
                    localRoot: destination,
                    state: state,
                    options: options,
                    logs: logs
                ).run(dryRun: request.dryRun)
            }
        }
    }
}
