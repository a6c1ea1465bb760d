import DriveSyncCore
import Foundation

/// Where an account's OAuth conversation happens: Google's servers, or the same origin as a
/// Drive-compatible endpoint (the emulator serves Google's paths).
public struct OAuthEndpoints: Sendable, Hashable {
    public var authorization: String
    public var token: String
    public var deviceCode: String
    public var revoke: String

    public static let google = OAuthEndpoints(
        authorization: "https://accounts.google.com/o/oauth2/v2/auth",
        token: "https://oauth2.googleapis.com/token",
        deviceCode: "https://oauth2.googleapis.com/device/code",
        revoke: "https://oauth2.googleapis.com/revoke"
    )

    /// The endpoints served at `base` (`http://127.0.0.1:8080`), as the emulator does.
    public static func served(at base: String) -> OAuthEndpoints {
        let base = base.hasSuffix("/") ? String(base.dropLast()) : base
        return OAuthEndpoints(
            authorization: base + "/o/oauth2/v2/auth",
            token: base + "/token",
            deviceCode: base + "/device/code",
            revoke: base + "/revoke"
        )
    }

    /// The consent page URL of the installed-app flow: code response, PKCE S256, `state`, offline access.
    public func authorizationURL(
        clientID: String,
        redirectURI: String,
        scopes: [String],
        pkce: PKCE,
        state: String,
        loginHint: String? = nil
    ) -> String {
        var parameters = [
            ("client_id", clientID), ("redirect_uri", redirectURI), ("response_type", "code"),
            ("scope", scopes.joined(separator: " ")),
            ("code_challenge", pkce.challenge), ("code_challenge_method", PKCE.method), ("state", state),
            ("access_type", "offline"), ("prompt", "consent"),
        ]
        if let loginHint { parameters.append(("login_hint", loginHint)) }
        return authorization + "?"
            + parameters.map { "\($0.0)=\(QueryEncoding.percentEncode($0.1))" }.joined(separator: "&")
    }
}

/// Drive's OAuth scopes, least privilege first.
public enum DriveScope: String, Sendable, CaseIterable, Codable {
    /// Only the files DriveSync created or was given (the default).
    case file = "drive.file"
    case readonly = "drive.readonly"
    case full = "drive"

    public var url: String { "https://www.googleapis.com/auth/" + rawValue }

    public init?(url: String) {
        guard url.hasPrefix("https://www.googleapis.com/auth/") else { return nil }
        self.init(rawValue: String(url.dropFirst("https://www.googleapis.com/auth/".count)))
    }
}
