import NIOPosix

/// Runs blocking file work (reads, writes, `fsync`, renames, hashing) on NIO's thread pool, so Swift's
/// cooperative threads — two on a two-core machine — stay free for network work and HTTP answers.
public func offload<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await NIOThreadPool.singleton.runIfActive(work)
}
