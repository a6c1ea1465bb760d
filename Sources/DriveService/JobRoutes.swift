import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird

/// `/drive/jobs`: sync, copy, pull, backup-push and check runs queued by applications, their state,
/// progress and result, and cancelling them. `/drive/events`: what happened, by increasing id.
struct JobRoutes {
    let jobs: any JobQueue
    let events: EventStream
    let audit: AuditLog

    static let longestPoll = 60

    func register(on router: RouterGroup<ServiceRequestContext>) {
        router.post("jobs", use: submit)
        router.get("jobs", use: list)
        router.get("jobs/:id", use: status)
        router.delete("jobs/:id", use: cancel)
        router.get("events", use: poll)
    }

    @Sendable func submit(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let spec = try await JSONAnswer.decode(JobSpec.self, from: request, limit: FileRoutes.jsonLimit)
        let status = try await audit.recording(
            "jobs.submit",
            request,
            context,
            success: .accepted,
            found: { (status: JobStatus) in (nil, status.summary) }
        ) {
            try await jobs.submit(spec)
        }
        return try Self.accepted(status)
    }

    /// 202 with the queued job, and where to follow it.
    static func accepted(_ status: JobStatus) throws -> Response {
        var response = try JSONAnswer.response(status, status: .accepted)
        response.headers[.location] = "/drive/jobs/\(status.id)"
        return response
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let limit = try request.uri.queryParameters.integer("limit", in: 1...1000) ?? 100
        return try JSONAnswer.response(["jobs": try await jobs.list(limit: limit)])
    }

    @Sendable func status(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let status = try await jobs.status(of: id) else { throw Self.noSuchJob(id) }
        return try JSONAnswer.response(status)
    }

    @Sendable func cancel(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let status = try await jobs.cancel(id) else { throw Self.noSuchJob(id) }
        await audit.record(AuditEntry(action: "jobs.cancel", request: request, context: context, path: id, result: 200))
        return try JSONAnswer.response(status)
    }

    struct EventPage: Encodable {
        var events: [EventStream.Event]
        /// The id to ask after next time.
        var lastID: Int

        enum CodingKeys: String, CodingKey {
            case events
            case lastID = "last_id"
        }
    }

    /// A long poll: the events after `since`, waiting up to `timeout` seconds for the first.
    @Sendable func poll(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let since = try query.integer("since", in: 0...Int.max) ?? 0
        let timeout = try query.integer("timeout", in: 0...Self.longestPoll) ?? 30
        let found = try await events.wait(after: since, timeout: .seconds(timeout))
        return try JSONAnswer.response(EventPage(events: found, lastID: found.last?.id ?? max(since, 0)))
    }

    static func noSuchJob(_ id: String) -> ServiceError {
        ServiceError(.notFound, reason: "notFound", message: "no job '\(id)'; list them with GET /drive/jobs")
    }
}
