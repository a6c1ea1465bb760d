public import DriveSyncCore
public import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Runs long work (a sync, a pull, a backup) as a service of a `ServiceGroup`, so it ends the way a
/// service does. The first SIGINT or SIGTERM shuts the group down gracefully: the work's `StopRequest`
/// is set, it starts nothing new, and what is in flight has the grace period to finish before the work
/// is cancelled. A second signal cancels at once. Cancellation is not a failure: the work keeps what
/// completed and records nothing as failed because of it.
public enum CommandLifecycle {
    /// How long transfers in flight may take to finish after a signal.
    public static let defaultGracePeriod: Duration = .seconds(10)

    /// What a run produced, and the signal that stopped it early, if one did.
    public struct Run<Result: Sendable>: Sendable {
        public var result: Result
        /// The first SIGINT or SIGTERM received, by number.
        public var signal: Int32?
    }

    /// Runs `work` until it returns, or until signals stop it.
    /// - Returns: the work's result and the signal, if one came while it ran.
    /// - Throws: ``Interrupted`` when a signal came and the work then threw (it was cancelled after the
    ///   grace period, or failed while stopping); otherwise the work's own error.
    public static func run<Result: Sendable>(
        gracePeriod: Duration = defaultGracePeriod,
        logger: Logger,
        _ work: @escaping @Sendable (StopRequest) async throws -> Result
    ) async throws -> Run<Result> {
        let service = WorkService(work)
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(
                    service: service,
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup
                )
            ],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = gracePeriod
        let group = ServiceGroup(configuration: configuration)
        // Trapped before the work starts, so no signal falls on the default action meanwhile.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let caught = CaughtSignal()
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    for await signal in signals {
                        guard caught.recordFirst(signal.rawValue) else { throw SecondSignal() }
                        logger.notice(
                            "stopping: transfers in flight may finish",
                            metadata: ["signal": "\(signal)", "grace.seconds": "\(gracePeriod.components.seconds)"]
                        )
                        await group.triggerGracefulShutdown()
                    }
                }
                try await tasks.next()
                tasks.cancelAll()
            }
        } catch is SecondSignal {
            logger.notice("second signal: stopping at once")
        }
        let signal = caught.first
        switch service.outcome {
        case .success(let result)?:
            return Run(result: result, signal: signal)
        case .failure(let error)? where signal == nil:
            throw error
        case .failure?, nil:
            throw Interrupted(signal: signal ?? UnixSignal.sigint.rawValue)
        }
    }

    private struct SecondSignal: Error {}

    /// The first signal received, shared between the listener and the caller.
    private final class CaughtSignal: Sendable {
        private let stored = Mutex<Int32?>(nil)

        var first: Int32? { stored.withLock { $0 } }

        /// Records `signal` if none came before; false when this is a second one.
        func recordFirst(_ signal: Int32) -> Bool {
            stored.withLock { first in
                guard first == nil else { return false }
                first = signal
                return true
            }
        }
    }
}

/// The work stopped because of a signal before it had anything to report.
public struct Interrupted: UserFacingError {
    /// The signal's number.
    public var signal: Int32

    public init(signal: Int32) { self.signal = signal }

    public var exitStatus: ExitStatus { .signalled(signal) }

    public var description: String {
        let name =
            signal == UnixSignal.sigterm.rawValue
            ? "SIGTERM" : signal == UnixSignal.sigint.rawValue ? "SIGINT" : "signal \(signal)"
        return "interrupted by \(name); what completed is kept: run the same command again to finish"
    }
}

/// The work as the one service of the group; its outcome is read once the group has ended.
private final class WorkService<Result: Sendable>: Service, Sendable {
    private let work: @Sendable (StopRequest) async throws -> Result
    private let stored = Mutex<Swift.Result<Result, any Error>?>(nil)

    init(_ work: @escaping @Sendable (StopRequest) async throws -> Result) { self.work = work }

    var outcome: Swift.Result<Result, any Error>? { stored.withLock { $0 } }

    func run() async {
        let stop = StopRequest()
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(
                try await withGracefulShutdownHandler {
                    try await work(stop)
                } onGracefulShutdown: {
                    stop.request()
                }
            )
        } catch {
            outcome = .failure(error)
        }
        stored.withLock { $0 = outcome }
    }
}
