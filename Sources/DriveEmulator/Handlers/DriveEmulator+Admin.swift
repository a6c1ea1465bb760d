import HTTPTypes
import Hummingbird
import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/emulator/admin/...`: fault injection, users, limits, call counters. Documented in the README.
extension DriveEmulator {
    private struct NewUser: Decodable {
        var email: String
        var token: String?
        var storageLimit: Int64?
        var displayName: String?
    }

    private struct SessionSelector: Decodable {
        var id: String?
    }

    private struct Outage: Decodable {
        var address: String
        var seconds: Double
    }

    func respondToAdmin(path: [String], request: EmulatorRequest) async -> Response {
        do {
            let decoder = JSONDecoder()
            func decode<T: Decodable>(_ type: T.Type) async throws -> T {
                let body = try await request.collectBody(limit: 1 << 20)
                do {
                    return try decoder.decode(T.self, from: Data(body.readableBytesView))
                } catch {
                    throw DriveError.badRequest("Invalid admin request body: \(error)")
                }
            }
            switch (request.method, path) {
            case (.get, ["calls"]):
                let counts = faults.callCounts.sorted { $0.key < $1.key }.map {
                    JSONMember($0.key, .int(Int64($0.value)))
                }
                return DriveResponse.json(.object(counts), pretty: true)
            case (.get, ["refusals"]):
                return DriveResponse.json(
                    .object([JSONMember("rateLimit", .int(Int64(faults.rateLimitRefusals)))]),
                    pretty: true
                )
            case (.delete, ["calls"]):
                faults.resetCallCounts()
                return DriveResponse.empty()
            case (.get, ["faults"]):
                let data = try JSONEncoder().encode(faults.rules)
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
                )
            case (.post, ["faults"]):
                faults.add(try await decode(FaultRule.self))
                return DriveResponse.empty()
            case (.delete, ["faults"]):
                faults.removeAll()
                return DriveResponse.empty()
            case (.put, ["faults", "random"]):
                faults.setRandomFailures(try await decode(RandomFaults.self))
                return DriveResponse.empty()
            case (.delete, ["faults", "random"]):
                faults.setRandomFailures(nil)
                return DriveResponse.empty()
            case (.get, ["users"]):
                return DriveResponse.json(.array(userEmails.map(JSONValue.string)), pretty: true)
            case (.post, ["users"]):
                let user = try await decode(NewUser.self)
                try addUser(
                    email: user.email,
                    token: user.token,
                    storageLimit: user.storageLimit,
                    displayName: user.displayName
                )
                return DriveResponse.empty(status: .created)
            case (.put, ["limits"]):
                setLimits(try await decode(EmulatorConfiguration.Limits.self))
                return DriveResponse.empty()
            case (.get, ["channels"]):
                let data = try JSONEncoder().encode(watchChannels)
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
                )
            case (.post, ["channels", "expire"]):
                try expireChannels(id: try await decode(SessionSelector.self).id)
                return DriveResponse.empty()
            case (.put, ["notifications", "faults"]):
                setNotificationFaults(try await decode(NotificationFaults.self))
                return DriveResponse.empty()
            case (.delete, ["notifications", "faults"]):
                setNotificationFaults(nil)
                return DriveResponse.empty()
            case (.post, ["notifications", "outage"]):
                let outage = try await decode(Outage.self)
                stopDelivering(to: outage.address, forSeconds: outage.seconds)
                return DriveResponse.empty()
            case (.post, ["uploads", "expire"]):
                try expireUploadSessions(id: try await decode(SessionSelector.self).id)
                return DriveResponse.empty()
            default:
                throw DriveError(.notFound, reason: "notFound", message: "Unknown admin endpoint.")
            }
        } catch let error as DriveError {
            return error.response(pretty: true)
        } catch {
            return DriveError.badRequest("\(error)").response(pretty: true)
        }
    }
}
