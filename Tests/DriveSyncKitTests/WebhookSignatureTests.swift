import DriveSyncKit
import Foundation
import Testing

struct WebhookSignatureTests {
    let secret = "a-shared-secret-of-some-length"
    let body = Data(#"{"id":1}"#.utf8)
    let time = Date(timeIntervalSince1970: 1_764_745_200)

    @Test func theSignatureIsHMACSHA256OfTheTimestampAndBody() {
        // Computed with Python's hmac, as the README's receiver does.
        #expect(
            WebhookSignature.sign(body, secret: secret, time: time)
                == "t=1764745200,v1=94f15fda2b29ebfedbbb198809aa2a2044212e2ee191d5740d24e1e2f0ca8113"
        )
    }

    @Test func onlyTheSameBodySecretAndARecentTimeVerify() {
        let header = WebhookSignature.sign(body, secret: secret, time: time)
        #expect(WebhookSignature.verify(header, body: body, secret: secret, now: time.addingTimeInterval(299)))
        #expect(!WebhookSignature.verify(header, body: body, secret: secret, now: time.addingTimeInterval(301)))
        #expect(!WebhookSignature.verify(header, body: body, secret: secret, now: time.addingTimeInterval(-301)))
        #expect(!WebhookSignature.verify(header, body: Data(#"{"id":2}"#.utf8), secret: secret, now: time))
        #expect(!WebhookSignature.verify(header, body: body, secret: secret + "x", now: time))
        #expect(!WebhookSignature.verify("t=1764745200", body: body, secret: secret, now: time))
        #expect(!WebhookSignature.verify("garbage", body: body, secret: secret, now: time))
        // A later timestamp with the old signature is refused: the time is signed too.
        let moved = header.replacingOccurrences(of: "t=1764745200", with: "t=1764745260")
        #expect(!WebhookSignature.verify(moved, body: body, secret: secret, now: time))
    }
}
