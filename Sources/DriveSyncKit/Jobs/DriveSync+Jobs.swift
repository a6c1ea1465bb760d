import DriveSyncCore
import Foundation
import SyncEngine

extension DriveSync {
    /// Runs a prepared job to its end, telling `progress` as files finish; a `stop` request ends it
    /// between files, keeping what completed.
    public func run(
        _ job: PreparedJob,
        stop: StopRequest,
        progress: @escaping @Sendable (JobProgress.Event) -> Void
    ) async throws -> JobResult {
        switch job.work {
        case .sync(var request):
            request.stop = stop
            request.progress = { event in
                switch event {
                case .planned(let actions, let bytes): progress(.planned(files: actions, bytes: bytes))
                case .finished(_, let bytes, let failed): progress(.fileEnded(bytes: bytes, failed: failed))
                }
            }
            let outcome = try await sync(request)
            let report = outcome.report
            return JobResult(
                summary: request.dryRun
                    ? "dry run: \(outcome.plan.actions.count) change(s) planned"
                    : "\(report?.completed.count ?? 0) done, \(report?.failures.count ?? 0) failed",
                counts: [
                    "planned": Int64(outcome.plan.actions.count), "done": Int64(report?.completed.count ?? 0),
                    "failed": Int64(report?.failures.count ?? 0), "bytes": report?.uploadedBytes ?? 0,
                    "archived": Int64(report?.archived.count ?? 0), "not_started": Int64(report?.notStarted ?? 0),
                ],
                failures: (report?.failures ?? []).map { .init(path: $0.path.description, error: $0.message) },
                warnings: outcome.warnings.map(\.description),
                stopped: report?.stopped ?? false
            )
        case .pull(var request):
            request.stop = stop
            request.fileFinished = { _, failed in progress(.fileEnded(bytes: 0, failed: failed)) }
            let outcome = try await pull(request)
            let report = outcome.report
            return JobResult(
                summary: report == nil
                    ? "dry run: \(outcome.actions.count) change(s) planned"
                    : "\(report?.downloaded ?? 0) downloaded, \(report?.exported ?? 0) exported, \(report?.failures.count ?? 0) failed",
                counts: [
                    "planned": Int64(outcome.actions.count), "downloaded": Int64(report?.downloaded ?? 0),
                    "exported": Int64(report?.exported ?? 0), "moved": Int64(report?.moved ?? 0),
                    "trashed": Int64(report?.trashed ?? 0), "failed": Int64(report?.failures.count ?? 0),
                    "bytes": report?.bytes ?? 0, "not_started": Int64(report?.notStarted ?? 0),
                ],
                failures: (report?.failures ?? []).map { .init(path: $0.path.description, error: $0.error) },
                warnings: outcome.notes.map(\.description) + outcome.warnings.map(\.description)
                    + (report?.warnings ?? []),
                stopped: report?.stopped ?? false
            )
        case .check(let source, let destination):
            let report = try await check(source: source, destination: destination)
            return JobResult(
                summary: report.isIdentical
                    ? "identical"
                    : "\(report.differing.count) differ, \(report.missingOnDestination.count) missing on the destination, \(report.missingInSource.count) missing in the source",
                counts: [
                    "identical": Int64(report.identical.count), "differing": Int64(report.differing.count),
                    "missing_on_destination": Int64(report.missingOnDestination.count),
                    "missing_in_source": Int64(report.missingInSource.count),
                ],
                failures: report.differing.map { .init(path: $0.description, error: "differs") },
                warnings: []
            )
        }
    }
}
