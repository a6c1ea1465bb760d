import Metrics
import Prometheus

/// The process's metrics: swift-metrics bootstrapped once with a Prometheus registry, which `-vv` prints
/// at the end of a command and the service answers `/metrics` with.
public enum ProcessMetrics {
    static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        Gauge(label: "drivesync_build_info", dimensions: [("version", DriveSync.version)]).record(1)
    }()

    /// Bootstraps swift-metrics, the first time only: call it in `main` before any metric exists.
    public static func bootstrap() { _ = bootstrapped }

    /// Every metric, in Prometheus' text format.
    public static func exposition() -> [UInt8] { registry.emitToBuffer() }
}
