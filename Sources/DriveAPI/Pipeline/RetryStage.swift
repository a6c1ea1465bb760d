import CoreMetrics
import DriveSyncCore
import Logging

/// The retry stage every request passes through, whoever replays it: the pipeline resends a request,
/// a batch resends the calls that failed, a download resumes with `Range`, a resumable upload asks for
/// the committed range. Failures `RetryClassification` calls transient get a jittered exponential
/// backoff that honours `Retry-After`, up to the policy's attempts; cancellation is checked first.
struct RetryStage {
    private let client: DriveClient
    private let method: DriveMethod
    private(set) var attempt = 0

    init(client: DriveClient, method: DriveMethod) {
        self.client = client
        self.method = method
    }

    /// Whether another attempt could help: answers and dropped connections that `RetryClassification`
    /// calls transient, never a bad checksum or an answer the client could not read.
    static func isTransient(_ error: DriveAPIError) -> Bool { classify(error) != nil }

    /// `nil` when `error` is not transient; else the wait `Retry-After` asks for, if any.
    private static func classify(_ error: DriveAPIError) -> Duration?? {
        guard error.code == .http || error.code == .transport,
            case .retry(let retryAfter) = RetryClassification.classify(
                error.retryFacts,
                replayable: true,
                alreadyRefreshedToken: true
            )
        else { return nil }
        return .some(retryAfter)
    }

    /// Waits before the next attempt and returns true, or returns false when `error` is not worth one
    /// (or the attempts are spent).
    mutating func backOff(after error: DriveAPIError) async throws -> Bool {
        try Task.checkCancellation()
        let policy = client.configuration.retry
        guard let retryAfter = Self.classify(error), attempt + 1 < policy.maxAttempts else { return false }
        let delay = policy.delay(afterAttempt: attempt, retryAfter: retryAfter, randomFraction: .random(in: 0..<1))
        attempt += 1
        client.metrics.retries.increment()
        client.logger.info(
            "retrying",
            metadata: [
                "drive.method": "\(method)", "retry.attempt": "\(attempt)", "error": "\(error.shortDescription)",
            ]
        )
        try await client.sleep(delay)
        return true
    }

    /// Progress was made (bytes delivered or committed): the next failure starts the backoff afresh.
    mutating func reset() { attempt = 0 }
}
