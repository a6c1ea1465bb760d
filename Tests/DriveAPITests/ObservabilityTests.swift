import AsyncHTTPClient
import CoreMetrics
import DriveAPI
import DriveEmulator
import DriveSyncTestSupport
import Foundation
import Metrics
import MetricsTestKit
import NIOCore
import Testing

struct ObservabilityTests {
    @Test func logsCarryRequestIdsAndNeverTheToken() async throws {
        let capture = LogCapture()
        let secret = "ya29.super-secret-token"
        try await withRunningEmulator(configuration: .init(users: [.init(email: "log@example.com", token: secret)])) {
            emulator in
            let drive = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(secret),
                configuration: .init(baseURL: emulator.baseURL, retry: fastRetries),
                pacer: RequestPacer(configuration: .unlimited),
                logger: capture.logger()
            )
            emulator.emulator.faults.add(
                FaultRule(
                    method: "files.get",
                    count: 1,
                    action: .status(code: 503, reason: nil, message: nil, retryAfter: nil, html: nil)
                )
            )
            _ = try await drive.getFile("root", fields: "id")
            _ = try? await DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(secret + "-wrong"),
                configuration: .init(baseURL: emulator.baseURL, retry: fastRetries),
                pacer: RequestPacer(configuration: .unlimited),
                logger: capture.logger()
            ).about(fields: "user")
        }
        let entries = capture.all
        #expect(entries.contains { $0.metadata["request.id"] != nil && $0.metadata["drive.method"] == "files.get" })
        #expect(entries.contains { $0.message == "retrying" })
        #expect(!entries.contains { $0.rendered.contains("super-secret") })
    }

    @Test func metricsCountRequestsRetriesAndBytes() async throws {
        let metrics = TestMetrics()
        try await withMetricsFactory(metrics) {
            try await withRunningEmulator { emulator in
                let drive = makeClient(emulator)
                emulator.emulator.faults.add(
                    FaultRule(
                        method: "files.get",
                        count: 1,
                        action: .status(code: 503, reason: nil, message: nil, retryAfter: nil, html: nil)
                    )
                )
                _ = try await drive.getFile("root", fields: "id")
                let file = try await drive.upload(ByteBuffer(string: "12345"), metadata: File(name: "m.txt"))
                _ = try await collect(drive.download(file))
            }
        }
        // The metadata read and the download (which the pipeline measures like any request).
        #expect(
            try metrics.expectCounter("drivesync_api_requests_total", [("method", "files.get"), ("status", "2xx")])
                .totalValue
                == 2
        )
        #expect(
            try metrics.expectCounter("drivesync_api_requests_total", [("method", "files.get"), ("status", "5xx")])
                .totalValue
                == 1
        )
        #expect(try metrics.expectCounter("drivesync_api_retries_total").totalValue == 1)
        #expect(try metrics.expectCounter("drivesync_transfer_bytes_total", [("direction", "upload")]).totalValue == 5)
        #expect(
            try metrics.expectCounter("drivesync_transfer_bytes_total", [("direction", "download")]).totalValue == 5
        )
        #expect(
            try metrics.expectTimer("drivesync_api_request_duration_seconds", [("method", "files.get")]).values.count
                == 3
        )
    }
}
