import Synchronization

/// A request to stop starting new work, set when the process is asked to shut down gracefully. Long
/// runs check it between units of work (files, chunks) and let what is in flight finish; cancellation,
/// which comes after the grace period, stops the rest.
public final class StopRequest: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    public func request() { requested.store(true, ordering: .relaxed) }

    public var isRequested: Bool { requested.load(ordering: .relaxed) }
}
