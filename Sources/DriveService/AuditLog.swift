import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One line of the audit log: who (the API key's name), what, on which account and Drive item, and how it
/// ended. Never a token, a key or a request body.
struct AuditEntry: Encodable, Sendable {
    var time = DriveTimestamp.format(Date())
    var action: String
    var key: String?
    var account: String?
    var method: String
    var route: String
    var driveID: String?
    var path: String?
    var result: Int
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case time, action, key, account, method, route, path, result, reason
        case driveID = "drive_id"
    }

    init(
        action: String,
        request: Request,
        context: ServiceRequestContext,
        account: String? = nil,
        driveID: String? = nil,
        path: String? = nil,
        result: Int,
        reason: String? = nil
    ) {
        self.action = action
        key = context.keyName
        self.account = account
        method = request.method.rawValue
        route = context.endpointPath ?? request.uri.path
        self.driveID = driveID
        self.path = path
        self.result = result
        self.reason = reason
    }
}

/// The audit log (JSON Lines). A line that cannot be written is logged as an error; it does not fail the
/// request it is about, which already happened.
struct AuditLog: Sendable {
    let log: JSONLinesLog
    let logger: Logger

    /// Runs `work` and writes its audit line whether it succeeds or fails: `success` when it does, the
    /// status it is answered with when it does not. `found` names what a successful `work` made or found
    /// (a Drive ID, a path) when the request did not.
    func recording<Result: Sendable>(
        _ action: String,
        _ request: Request,
        _ context: ServiceRequestContext,
        account: String? = nil,
        driveID: String? = nil,
        path: String? = nil,
        success: HTTPResponse.Status = .ok,
        found: (Result) -> (driveID: String?, path: String?) = { _ in (nil, nil) },
        _ work: () async throws -> Result
    ) async throws -> Result {
        do {
            let result = try await work()
            let (foundID, foundPath) = found(result)
            let entry = AuditEntry(
                action: action,
                request: request,
                context: context,
                account: account,
                driveID: driveID ?? foundID,
                path: path ?? foundPath,
                result: Int(success.code)
            )
            await record(entry)
            return result
        } catch {
            let answer = ServiceError(error)
            let entry = AuditEntry(
                action: action,
                request: request,
                context: context,
                account: account,
                driveID: driveID,
                path: path,
                result: Int(answer.status.code),
                reason: answer.reason
            )
            await record(entry)
            throw answer
        }
    }

    func record(_ entry: AuditEntry) async {
        do {
            try await log.append(entry)
        } catch {
            logger.error(
                "the audit log lost a line",
                metadata: ["audit.action": "\(entry.action)", "error": "\(error)"]
            )
        }
    }
}
