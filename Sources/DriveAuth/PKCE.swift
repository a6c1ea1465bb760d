import Crypto
import DriveSyncCore
import Foundation

/// RFC 7636 proof key for the installed-app flow: a random verifier kept by the client and its S256
/// challenge sent with the authorization request. Pure apart from the random source.
public struct PKCE: Sendable, Hashable {
    public let verifier: String
    public var challenge: String { Self.challenge(for: verifier) }
    public static let method = "S256"

    /// A 64-character verifier from the unreserved alphabet (RFC 7636 §4.1 allows 43–128).
    public init<Generator: RandomNumberGenerator>(using generator: inout Generator) {
        verifier = Self.randomString(count: 64, using: &generator)
    }

    public init() {
        var generator = SystemRandomNumberGenerator()
        self.init(using: &generator)
    }

    public init(verifier: String) { self.verifier = verifier }

    /// BASE64URL-NOPAD(SHA256(ASCII(verifier))).
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)))
    }

    static let unreserved = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Random text from the unreserved alphabet: PKCE verifiers and `state` values.
    public static func randomString<Generator: RandomNumberGenerator>(
        count: Int,
        using generator: inout Generator
    ) -> String {
        String((0..<count).map { _ in unreserved[Int(generator.next(upperBound: UInt64(unreserved.count)))] })
    }
}
