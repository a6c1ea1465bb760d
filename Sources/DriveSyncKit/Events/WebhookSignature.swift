import Crypto
public import Foundation

/// How the service signs what it POSTs to an application (`[notify NAME]`), and how the application
/// checks it: `DriveSync-Signature: t=TIMESTAMP,v1=HEX`, where HEX is HMAC-SHA256 with the shared secret
/// over `TIMESTAMP.BODY` (TIMESTAMP in Unix seconds). A receiver recomputes it, compares in constant time,
/// and refuses a timestamp more than `tolerance` from its clock, so a captured request cannot be replayed
/// later; the `Idempotency-Key` header tells it an event it already handled.
public enum WebhookSignature {
    public static let header = "DriveSync-Signature"
    /// The replay window: five minutes either way.
    public static let tolerance: TimeInterval = 300

    /// The header's value for `body` sent at `time`.
    public static func sign(_ body: Data, secret: String, time: Date) -> String {
        let timestamp = Int64(time.timeIntervalSince1970.rounded(.down))
        return "t=\(timestamp),v1=\(digest(body, secret: secret, timestamp: timestamp))"
    }

    /// Whether `header` signs `body` with `secret` and is recent at `now`.
    public static func verify(_ header: String, body: Data, secret: String, now: Date = Date()) -> Bool {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        let expected = Array(digest(body, secret: secret, timestamp: timestamp).utf8)
        return signatures.contains { APIKeyStore.constantTimeEqual(Array($0.utf8), expected) }
    }

    private static func digest(_ body: Data, secret: String, timestamp: Int64) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return Hex.lowercase(code)
    }
}
