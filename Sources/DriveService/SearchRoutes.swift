import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird

/// `/drive/search?q=...`: the content index searched; `/drive/index`: what it holds (GET) and a run that
/// brings Drive folders into it (POST, queued as a job).
struct SearchRoutes {
    let jobs: any JobQueue
    let audit: AuditLog

    func register(on router: RouterGroup<ServiceRequestContext>) {
        router.get("search", use: search)
        router.get("index", use: summary)
        router.post("index", use: index)
    }

    struct Results: Encodable {
        var query: String
        var results: [SearchHit]
    }

    @Sendable func search(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let query = parameters.string("q") else {
            throw ServiceError(
                .badRequest,
                reason: "invalid",
                message: "q is the query, as in /drive/search?q=autumn+leaves+type:pdf"
            )
        }
        let limit = try parameters.integer("limit", in: 1...1000) ?? 20
        let hits = try await jobs.search(query, limit: limit, account: try parameters.account())
        return try JSONAnswer.response(Results(query: query, results: hits))
    }

    @Sendable func summary(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        try JSONAnswer.response(try await jobs.indexSummary())
    }

    struct IndexRequest: Decodable {
        /// `drive:PATH` or `NAME:PATH`; none: the default drive's root.
        var locations: [String]?
    }

    @Sendable func index(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let body = try await JSONAnswer.decode(IndexRequest.self, from: request, limit: FileRoutes.jsonLimit)
        let locations = body.locations ?? []
        let status = try await audit.recording(
            "index.submit",
            request,
            context,
            success: .accepted,
            found: { (status: JobStatus) in (nil, status.summary) }
        ) {
            try await jobs.queueIndex(locations)
        }
        return try JobRoutes.accepted(status)
    }
}
