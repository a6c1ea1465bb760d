import Crypto
public import DriveSyncCore
public import Foundation
import _CryptoExtras

/// A Google service-account key (the JSON file from the Cloud console) and the RS256 JWT assertions it
/// signs for the JWT bearer grant (RFC 7523), with domain-wide delegation when a subject is given.
public struct ServiceAccountKey: Sendable, Hashable, Codable {
    public var clientEmail: String
    public var privateKeyPEM: String
    public var privateKeyID: String?
    public var tokenURI: String?

    enum CodingKeys: String, CodingKey {
        case clientEmail = "client_email"
        case privateKeyPEM = "private_key"
        case privateKeyID = "private_key_id"
        case tokenURI = "token_uri"
    }

    /// A key file that cannot be used, and why.
    public struct Invalid: UserFacingError {
        public struct Code: Hashable, Sendable {
            let name: String
            /// Not the JSON of a service-account key.
            public static let notAKeyFile = Code(name: "notAKeyFile")
            /// The private key does not parse as RSA.
            public static let unreadablePrivateKey = Code(name: "unreadablePrivateKey")
        }

        public var code: Code
        public var description: String
    }

    public init(clientEmail: String, privateKeyPEM: String, privateKeyID: String? = nil, tokenURI: String? = nil) {
        self.clientEmail = clientEmail
        self.privateKeyPEM = privateKeyPEM
        self.privateKeyID = privateKeyID
        self.tokenURI = tokenURI
    }

    /// Reads a key file, checking that its private key can sign.
    public init(json: Data) throws {
        do {
            self = try JSONDecoder().decode(ServiceAccountKey.self, from: json)
        } catch {
            throw Invalid(
                code: .notAKeyFile,
                description: "not a service-account key file (expected client_email and private_key): \(error)"
            )
        }
        _ = try signingKey()
    }

    func signingKey() throws -> _RSA.Signing.PrivateKey {
        do { return try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM) } catch {
            throw Invalid(
                code: .unreadablePrivateKey,
                description: "the private key of \(clientEmail) cannot be read: \(error)"
            )
        }
    }

    /// A one-hour assertion for `scopes`, acting as `subject` when given, for the token endpoint `audience`.
    public func assertion(scopes: [String], subject: String?, audience: String, issuedAt: Date) throws -> String {
        struct Header: Encodable { var alg = "RS256", typ = "JWT", kid: String? }
        struct Claims: Encodable { var iss: String, scope: String, aud: String, iat: Int, exp: Int, sub: String? }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let now = Int(issuedAt.timeIntervalSince1970)
        let header = try encoder.encode(Header(kid: privateKeyID))
        let claims = try encoder.encode(
            Claims(
                iss: clientEmail,
                scope: scopes.joined(separator: " "),
                aud: audience,
                iat: now,
                exp: now + 3600,
                sub: subject
            )
        )
        let input = Base64URL.encode(header) + "." + Base64URL.encode(claims)
        let signature = try signingKey().signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }
}
