import DriveSyncKit
import HTTPTypes
import Hummingbird

/// `POST /drive/webhook`: where Drive delivers push notifications. No API key (Drive has none); each
/// notification proves itself with its channel's token instead, and only queues work.
struct WebhookRoutes {
    let jobs: DriveJobs

    func register(open router: RouterGroup<ServiceRequestContext>) {
        router.post("webhook", use: receive)
    }

    @Sendable func receive(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { request.headers[$0] } }
        guard let channelID = header("X-Goog-Channel-ID"), let resourceState = header("X-Goog-Resource-State")
        else {
            throw ServiceError(
                .badRequest,
                reason: "badRequest",
                message: "a Drive notification has X-Goog-Channel-ID and X-Goog-Resource-State headers"
            )
        }
        let notification = DriveNotification(
            channelID: channelID,
            token: header("X-Goog-Channel-Token"),
            resourceState: resourceState,
            messageNumber: header("X-Goog-Message-Number").flatMap { Int64($0) }
        )
        switch try await jobs.receive(notification) {
        case .queued, .synced, .orphaned:
            return Response(status: .ok)
        case .unknownChannel:
            throw ServiceError(.notFound, reason: "notFound", message: "no channel \(channelID) is open")
        case .forged:
            throw ServiceError(
                .unauthorized,
                reason: "unauthorized",
                message: "the channel token is not this channel's"
            )
        }
    }
}
