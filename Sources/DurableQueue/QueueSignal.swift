import Synchronization

/// Wakes a process's idle workers: a job was queued here, NOTIFY arrived from PostgreSQL, or a slot
/// freed up. A signal with nobody waiting is kept for the next wait, so none is lost.
public final class QueueSignal: Sendable {
    private struct State {
        var pending = false
        var nextToken = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waits that timed out or were cancelled before they started waiting.
        var over: Set<Int> = []
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiters = state.withLock { state in
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            state.pending = waiters.isEmpty
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the next signal, after `timeout` (waited out with `sleep`), or when the task is cancelled.
    public func wait(timeout: Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) async {
        let token = state.withLock { state in
            state.nextToken += 1
            return state.nextToken
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await sleep(timeout)
                self.resume(token)
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let now = state.withLock { state in
                        if state.over.remove(token) != nil { return true }
                        if state.pending {
                            state.pending = false
                            return true
                        }
                        state.waiters[token] = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                self.resume(token)
            }
            group.cancelAll()
        }
        state.withLock { _ = $0.over.remove(token) }
    }

    private func resume(_ token: Int) {
        let waiter = state.withLock { state in
            guard let waiter = state.waiters.removeValue(forKey: token) else {
                state.over.insert(token)
                return nil as CheckedContinuation<Void, Never>?
            }
            return waiter
        }
        waiter?.resume()
    }
}
