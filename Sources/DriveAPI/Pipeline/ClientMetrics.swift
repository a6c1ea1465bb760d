import CoreMetrics
import DriveSyncCore
import Metrics
import Synchronization

/// The client's metrics, created once each with bounded dimensions (Drive method, status class), named
/// as Prometheus names them: `drivesync_` prefix, base units, `_total` for counters.
final class ClientMetrics: Sendable {
    let retries = Counter(label: "drivesync_api_retries_total")
    let uploadedBytes = Counter(label: "drivesync_transfer_bytes_total", dimensions: [("direction", "upload")])
    let downloadedBytes = Counter(label: "drivesync_transfer_bytes_total", dimensions: [("direction", "download")])

    private struct MethodMetrics {
        var requests: [String: Counter] = [:]
        var duration: Timer
    }

    private let byMethod = Mutex([DriveMethod: MethodMetrics]())

    /// Records one answer (or, with status `nil`, a request that got none).
    func record(method: DriveMethod, status: Int?, duration: Duration) {
        let statusClass = status.map { "\($0 / 100)xx" } ?? "none"
        let (counter, timer) = byMethod.withLock { metrics in
            var entry =
                metrics[method]
                ?? MethodMetrics(
                    duration: Timer(
                        label: "drivesync_api_request_duration_seconds",
                        dimensions: [("method", method.name)]
                    )
                )
            let counter =
                entry.requests[statusClass]
                ?? Counter(
                    label: "drivesync_api_requests_total",
                    dimensions: [("method", method.name), ("status", statusClass)]
                )
            entry.requests[statusClass] = counter
            metrics[method] = entry
            return (counter, entry.duration)
        }
        counter.increment()
        timer.record(duration: duration)
    }
}
