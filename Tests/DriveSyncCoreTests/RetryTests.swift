import DriveSyncCore
import Testing

struct RetryClassificationTests {
    typealias Failure = RetryClassification.Failure

    @Test(arguments: [
        (Failure(status: 500), RetryClassification.retry(after: nil)),
        (Failure(status: 503, retryAfter: .seconds(3)), .retry(after: .seconds(3))),
        (Failure(status: 429), .retry(after: nil)),
        (Failure(status: 403, reason: "userRateLimitExceeded"), .retry(after: nil)),
        (Failure(status: 403, reason: "rateLimitExceeded", retryAfter: .seconds(9)), .retry(after: .seconds(9))),
        (Failure(status: 403, reason: "storageQuotaExceeded"), .fatal),
        (Failure(status: 403, reason: "dailyLimitExceeded"), .fatal),
        (Failure(status: 403, reason: "insufficientFilePermissions"), .fatal),
        (Failure(status: 404, reason: "notFound"), .fatal),
        (Failure(status: 400, reason: "badRequest"), .fatal),
        (Failure(status: 401, reason: "authError"), .refreshTokenThenRetry),
        (Failure(status: nil), .retry(after: nil)),
    ])
    func classifiesReplayableRequests(failure: Failure, expected: RetryClassification) {
        #expect(RetryClassification.classify(failure, replayable: true, alreadyRefreshedToken: false) == expected)
    }

    @Test func neverRetriesWhatCannotBeReplayedOrRefreshesTwice() {
        #expect(
            RetryClassification.classify(Failure(status: 503), replayable: false, alreadyRefreshedToken: false)
                == .fatal
        )
        #expect(
            RetryClassification.classify(Failure(status: nil), replayable: false, alreadyRefreshedToken: false)
                == .fatal
        )
        #expect(
            RetryClassification.classify(Failure(status: 401), replayable: true, alreadyRefreshedToken: true) == .fatal
        )
    }

    @Test func backoffDoublesToTheCapWithJitterAndHonoursRetryAfter() {
        let policy = RetryPolicy.standard
        #expect(policy.delay(afterAttempt: 0, retryAfter: nil, randomFraction: 0) == .seconds(1))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, randomFraction: 0) == .seconds(8))
        #expect(policy.delay(afterAttempt: 9, retryAfter: nil, randomFraction: 0) == .seconds(16))
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, randomFraction: 0.5) == .milliseconds(2500))
        #expect(policy.delay(afterAttempt: 0, retryAfter: .seconds(30), randomFraction: 0.2) == .seconds(30))
        #expect(policy.delay(afterAttempt: 4, retryAfter: .seconds(2), randomFraction: 0) == .seconds(16))
    }
}

struct TokenBucketTests {
    @Test func allowsABurstThenTheRate() {
        var bucket = TokenBucket(rate: 3, capacity: 2)
        #expect(bucket.take(now: .zero) == nil)
        #expect(bucket.take(now: .zero) == nil)
        let wait = bucket.take(now: .zero)
        #expect(wait.map { abs($0 / .seconds(1) - 1.0 / 3) < 1e-9 } == true)
        #expect(bucket.take(now: .milliseconds(340)) == nil)
        #expect(bucket.take(now: .milliseconds(340)) != nil)
    }

    @Test func drainAndRateChanges() {
        var bucket = TokenBucket(rate: 10, capacity: 10)
        bucket.drain(now: .zero)
        #expect(bucket.take(now: .zero) != nil)
        bucket.setRate(1, now: .zero)
        #expect(bucket.take(now: .milliseconds(500)) != nil)
        #expect(bucket.take(now: .seconds(1)) == nil)
    }

    @Test func adaptiveRateHalvesAndCreepsBack() {
        var rate = AdaptiveRate(initial: 3, minimum: 0.5, maximum: 10, increase: 0.1)
        rate.recordRateLimited()
        #expect(rate.current == 1.5)
        for _ in 0..<5 { rate.recordSuccess() }
        #expect(abs(rate.current - 2.0) < 1e-9)
        for _ in 0..<10 { rate.recordRateLimited() }
        #expect(rate.current == 0.5)

        var unpaced = AdaptiveRate(initial: 1e9, minimum: 0.2, maximum: 1e9, increase: 0.05)
        unpaced.recordRateLimited(measured: 12)
        #expect(unpaced.current == 6, "below what the server was seen to accept, not half of 1e9")
    }

    @Test func rateMeterCountsTheLastWholeSecond() {
        var meter = RateMeter()
        for tenth in 0..<5 { meter.record(now: .milliseconds(100 * tenth)) }
        #expect(meter.rate(now: .milliseconds(900)) == 5)
        meter.record(now: .milliseconds(1_100))
        #expect(meter.rate(now: .milliseconds(1_200)) == 5, "the last whole second")
        #expect(meter.rate(now: .milliseconds(2_500)) == 1)
        #expect(meter.rate(now: .seconds(5)) == 0, "nothing for seconds")
    }
}
