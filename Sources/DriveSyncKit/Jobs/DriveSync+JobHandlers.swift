public import DurableQueue
import Foundation
public import ServiceState
import Synchronization

extension DriveSync {
    /// A job that only proves a worker runs jobs: it waits `sleep_ms` and records who ran it. Monitoring
    /// enqueues it to watch the workers; the chaos tests enqueue thousands.
    public static let probeKind = "probe"

    /// The handlers of every job kind DriveSync runs: the `JobSpec` kinds, `apply-changes`, `watch-changes`,
    /// `notify`, `process-file`, `index` and `probe`. Each runs the matching command's work, reports progress to the heartbeat and `events`,
    /// and stops between files when asked (the queue gives the job back, and the next attempt does the rest).
    public func jobHandlers(service: ServiceDatabase, events: EventStream) -> [String: JobHandler] {
        var handlers: [String: JobHandler] = [
            Self.applyChangesKind: applyChangesHandler(service: service, events: events),
            Self.watchChangesKind: watchChangesHandler(service: service),
            Self.notifyKind: notifyHandler(),
            Self.processFileKind: processFileHandler(service: service),
            Self.indexKind: indexHandler(service: service),
        ]
        for kind in JobSpec.Kind.allCases {
            handlers[kind.rawValue] = { execution in try await self.runQueued(execution, events: events) }
        }
        handlers[Self.probeKind] = { execution in
            struct Arguments: Decodable {
                var sleepMilliseconds: Int?
                enum CodingKeys: String, CodingKey { case sleepMilliseconds = "sleep_ms" }
            }
            let arguments = try? JSONDecoder().decode(Arguments.self, from: Data(execution.job.arguments.utf8))
            if let milliseconds = arguments?.sleepMilliseconds, milliseconds > 0 {
                try await Task.sleep(for: .milliseconds(min(milliseconds, 60_000)))
            }
            let result = ["attempt": "\(execution.job.attempt)", "worker": execution.job.worker ?? ""]
            return .completed(result: String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
        }
        return handlers
    }

    /// A job's JSON arguments as `T`; arguments that do not fit fail the job for good (another attempt would
    /// read the same), saying what the kind takes.
    static func arguments<T: Decodable>(_: T.Type, of execution: JobExecution, usage: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(execution.job.arguments.utf8))
        } catch {
            throw PermanentJobFailure("\(execution.job.kind) takes \(usage): \(error)")
        }
    }

    private func runQueued(_ execution: JobExecution, events: EventStream) async throws -> JobReturn {
        let job = execution.job
        let spec: JobSpec
        let prepared: PreparedJob
        do {
            spec = try JSONDecoder().decode(JobSpec.self, from: Data(job.arguments.utf8))
            prepared = try await prepare(spec)
        } catch {
            throw PermanentJobFailure("the job's arguments no longer make sense: \(OperationFailure(error).message)")
        }
        let started = ContinuousClock.now
        let progress = ProgressBox()
        let (updates, publish) = AsyncStream.makeStream(of: JobProgress.self, bufferingPolicy: .bufferingNewest(1))
        let encoder = JSONEncoder()
        let outcome = await withTaskGroup(of: Result<JobResult, any Error>?.self) { group in
            // Progress goes out at the pace readers take it; a slow one sees the latest, never a backlog.
            group.addTask {
                for await update in updates {
                    if let json = try? encoder.encode(update) {
                        execution.reportProgress(String(decoding: json, as: UTF8.self))
                    }
                    await events.publish(
                        "job.progress",
                        [
                            "id": job.id, "files": "\(update.files)", "bytes": "\(update.bytes)",
                            "failed": "\(update.failed)",
                        ]
                    )
                }
                return nil
            }
            group.addTask {
                defer { publish.finish() }
                do {
                    return .success(
                        try await self.run(prepared, stop: execution.stop) { event in
                            publish.yield(progress.update(event, elapsed: ContinuousClock.now - started))
                        }
                    )
                } catch {
                    return .failure(error)
                }
            }
            var outcome: Result<JobResult, any Error>?
            for await finished in group where finished != nil { outcome = finished }
            return outcome ?? .failure(CancellationError())
        }
        switch outcome {
        case .success(let result) where result.stopped:
            return .stopped
        case .success(let result):
            return .completed(result: String(decoding: try encoder.encode(result), as: UTF8.self))
        case .failure(let error):
            throw JobRunFailure(message: OperationFailure(error).message)
        }
    }
}

/// A run that failed, with the one-line message the job keeps.
struct JobRunFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A running job's progress, updated from the engine's callbacks.
final class ProgressBox: Sendable {
    private let progress = Mutex(JobProgress())

    func update(_ event: JobProgress.Event, elapsed: Duration) -> JobProgress {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return progress.withLock {
            $0.update(event, elapsed: seconds)
            return $0
        }
    }
}
