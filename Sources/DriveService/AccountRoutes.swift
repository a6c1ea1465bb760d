import DriveSyncKit
import Foundation
import Hummingbird

/// `/drive/auth/accounts`: the accounts the service can use and how each signs in.
struct AccountRoutes {
    let connections: DriveConnections
    let audit: AuditLog

    func register(on router: RouterGroup<ServiceRequestContext>) {
        router.get("auth/accounts", use: list)
    }

    struct Account: Encodable {
        var name: String
        var isDefault: Bool
        var credentials: String
        var who: String?
        var scopes: String?

        enum CodingKeys: String, CodingKey {
            case name, credentials, who, scopes
            case isDefault = "default"
        }
    }

    @Sendable func list(_ request: Request, context: ServiceRequestContext) async throws -> Response {
        let accounts = connections.driveSync.accountStatuses().map { status in
            switch status.credentials {
            case .fixedToken:
                Account(name: status.name, isDefault: status.isDefault, credentials: "access_token")
            case .notSignedIn:
                Account(name: status.name, isDefault: status.isDefault, credentials: "none")
            case .signedIn(let who, let scopes, _, _):
                Account(name: status.name, isDefault: status.isDefault, credentials: "oauth", who: who, scopes: scopes)
            case .unreadable:
                Account(name: status.name, isDefault: status.isDefault, credentials: "unreadable")
            }
        }
        return try JSONAnswer.response(["accounts": accounts])
    }
}
