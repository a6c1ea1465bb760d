import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/health/live` touches nothing; `/health/ready` reports each dependency from a probe cached for
/// `ReadinessProbe.freshFor`, and answers 503 when one the service needs is down.
struct HealthRoutes {
    let probe: ReadinessProbe
    let streams: ActiveStreams
    let jobs: any JobQueue

    func register(on router: Router<ServiceRequestContext>) {
        router.get("health/live") { _, _ in try JSONAnswer.response(["status": "ok"]) }
        router.get("health/ready") { _, _ in
            let checks = (await probe.checks()).merging(await probe.queueChecks(jobs)) { drive, _ in drive }
            let ready = checks.values.allSatisfy { $0.status == "ok" }
            return try JSONAnswer.response(
                Readiness(status: ready ? "ok" : "down", checks: checks, streams: streams.current),
                status: ready ? .ok : .serviceUnavailable
            )
        }
    }

    struct Readiness: Encodable {
        var status: String
        var checks: [String: ReadinessProbe.Check]
        /// Content downloads being streamed now.
        var streams: Int
    }
}

/// Whether each Drive the service answers for responds, asked at most once per `freshFor`.
actor ReadinessProbe {
    struct Check: Encodable, Sendable {
        var status: String
        var detail: String?
    }

    static let freshFor = Duration.seconds(15)
    /// The database is asked at most once a second, however often a balancer probes.
    static let queueFreshFor = Duration.seconds(1)
    private let connections: DriveConnections
    private var cached: (at: ContinuousClock.Instant, checks: [String: Check])?
    private var cachedQueue: (at: ContinuousClock.Instant, checks: [String: Check])?

    init(connections: DriveConnections) { self.connections = connections }

    /// Drops the cached answer: an account changed.
    func forget() { cached = nil }

    /// `database` (does it answer), `workers` (jobs running and waiting) and `index` (what it holds).
    func queueChecks(_ jobs: any JobQueue) async -> [String: Check] {
        let now = ContinuousClock.now
        if let cachedQueue, now - cachedQueue.at < Self.queueFreshFor { return cachedQueue.checks }
        var checks: [String: Check] = [:]
        do {
            let queue = try await jobs.health()
            checks["database"] = Check(status: "ok", detail: queue.database)
            checks["workers"] = Check(
                status: "ok",
                detail: "\(queue.runningHere) running here, \(queue.running) running in all, \(queue.queued) waiting"
            )
            let index = try await jobs.indexSummary()
            checks["index"] = Check(
                status: "ok",
                detail: "\(index.indexed) files indexed, \(index.failed) failed"
                    + (index.lastUpdated.map { ", last at \($0.formatted(.iso8601))" } ?? "")
            )
        } catch {
            checks["database"] = Check(status: "down", detail: OperationFailure(error).message)
        }
        cachedQueue = (now, checks)
        return checks
    }

    func checks() async -> [String: Check] {
        let now = ContinuousClock.now
        if let cached, now - cached.at < Self.freshFor { return cached.checks }
        var checks: [String: Check] = [:]
        let names: [String]
        do {
            names = try await connections.driveSync.accountNames()
        } catch {
            // The accounts cannot be listed (their credentials' store is down): say so, check none.
            checks["credentials"] = Check(status: "down", detail: OperationFailure(error).message)
            names = []
        }
        for name in names.isEmpty ? [nil] : names.map(Optional.some) {
            let label = "drive:" + (name ?? "embedded")
            do {
                let files = try await connections.files(account: name)
                _ = try await files.item(id: "root")
                checks[label] = Check(status: "ok")
            } catch {
                checks[label] = Check(status: "down", detail: OperationFailure(error).message)
            }
        }
        cached = (now, checks)
        return checks
    }
}
