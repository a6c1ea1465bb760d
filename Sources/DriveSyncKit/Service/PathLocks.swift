import DriveSyncCore

/// One holder per path at a time, handed over in arrival order: two requests uploading the same name
/// cannot both find it free and both create it.
actor PathLocks {
    private var held: Set<RemotePath> = []
    private var waiting: [RemotePath: [CheckedContinuation<Void, Never>]] = [:]

    /// Runs `body` holding the lock of `path`.
    nonisolated func withLock<Result: Sendable>(
        _ path: RemotePath,
        _ body: () async throws -> Result
    ) async throws -> Result {
        await lock(path)
        do {
            let result = try await body()
            await unlock(path)
            return result
        } catch {
            await unlock(path)
            throw error
        }
    }

    private func lock(_ path: RemotePath) async {
        guard held.contains(path) else {
            held.insert(path)
            return
        }
        await withCheckedContinuation { waiting[path, default: []].append($0) }
    }

    private func unlock(_ path: RemotePath) {
        guard var queue = waiting[path], !queue.isEmpty else {
            held.remove(path)
            return
        }
        let next = queue.removeFirst()
        waiting[path] = queue.isEmpty ? nil : queue
        next.resume()  // the lock passes to the next in line without being released
    }
}
