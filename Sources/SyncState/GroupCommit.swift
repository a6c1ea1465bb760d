public import GRDB
import Synchronization

/// Writes from concurrent transfers committed together. Each caller still returns only once its write is
/// committed, but one transaction carries every write waiting by then: while one batch commits, the next
/// gathers. A write that throws rolls back alone (a savepoint each); a commit that fails fails its batch.
final class GroupCommit: Sendable {
    private struct Pending: Sendable {
        /// Runs the write inside the batch's transaction; returns what to tell its caller once it commits.
        let run: @Sendable (Database) -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private let writer: any DatabaseWriter
    private let queue = Mutex<(waiting: [Pending], committing: Bool)>(([], false))

    init(_ writer: any DatabaseWriter) { self.writer = writer }

    func write<Result: Sendable>(_ work: @escaping @Sendable (Database) throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            let pending = Pending(
                run: { db in
                    do {
                        var result: Result?
                        try db.inSavepoint {
                            result = try work(db)
                            return .commit
                        }
                        let value = result!
                        return { continuation.resume(returning: value) }
                    } catch {
                        return { continuation.resume(throwing: error) }
                    }
                },
                fail: { continuation.resume(throwing: $0) }
            )
            let leads = queue.withLock { queue in
                queue.waiting.append(pending)
                defer { queue.committing = true }
                return !queue.committing
            }
            if leads { writer.asyncWriteWithoutTransaction { db in self.commitWaiting(db) } }
        }
    }

    /// Commits batch after batch until nothing waits.
    private func commitWaiting(_ db: Database) {
        while true {
            let batch = queue.withLock { queue in
                defer { queue.waiting.removeAll() }
                if queue.waiting.isEmpty { queue.committing = false }
                return queue.waiting
            }
            guard !batch.isEmpty else { return }
            var outcomes: [@Sendable () -> Void] = []
            do {
                try db.inTransaction {
                    outcomes = batch.map { $0.run(db) }
                    return .commit
                }
                for outcome in outcomes { outcome() }
            } catch {
                for pending in batch { pending.fail(error) }
            }
        }
    }
}
