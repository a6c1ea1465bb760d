import DriveSyncKit
import DriveSyncTestSupport
import DurableQueue
import Foundation
import NIOFoundationCompat
import Testing

/// `[notify NAME]`: events reach the application signed, through jobs that retry.
struct NotifyTests {
    @Test func theNotifySectionIsCheckedAsItIsRead() throws {
        var configuration = Configuration()
        try configuration.apply(
            "[notify app]\nurl = https://app.example/hooks\nsecret = 0123456789abcdef\nevents = file.changed, job.finished\n",
            from: "test"
        )
        #expect(
            configuration.notify == [
                Configuration.Notify(
                    name: "app",
                    url: "https://app.example/hooks",
                    secret: "0123456789abcdef",
                    events: ["file.changed", "job.finished"]
                )
            ]
        )
        #expect(configuration.notify[0].wants("job.finished") && !configuration.notify[0].wants("job.queued"))
        for (text, message) in [
            ("url = ftp://x\nsecret = 0123456789abcdef", "url must be an http(s) URL"),
            ("url = https://x\nsecret = short", "at least 16 characters"),
            ("url = https://x", "needs url and secret"),
            ("url = https://x\nsecret = 0123456789abcdef\ncolour = red", "unknown setting 'colour'"),
        ] {
            var other = Configuration()
            #expect {
                try other.apply("[notify app]\n\(text)\n", from: "test")
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test func eventsAreDeliveredSignedAndAFailingReceiverIsRetried() async throws {
        try await withWebhookReceiver { url, deliveries in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: home) }
            var configuration = Configuration()
            configuration.notify = [
                Configuration.Notify(name: "app", url: url, secret: "secret-of-the-app", events: ["file.changed"]),
                Configuration.Notify(name: "down", url: "http://127.0.0.1:9/hook", secret: "secret-of-the-down"),
            ]
            let jobs = try await DriveSync(configuration: configuration, home: home).openJobs(workers: 2)
            defer { Task { await jobs.close() } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await jobs.workers?.run() }
                let id = await jobs.events.publish("file.changed", ["id": "f1", "name": "a.txt"])
                await jobs.events.publish("job.queued", ["id": "j1", "kind": "sync"])
                var iterator = deliveries.makeAsyncIterator()
                let delivery = try #require(await iterator.next())
                let body = Data(buffer: delivery.body)
                #expect(
                    WebhookSignature.verify(
                        try #require(delivery.header(WebhookSignature.header)),
                        body: body,
                        secret: "secret-of-the-app"
                    )
                )
                #expect(delivery.header("Idempotency-Key") == "event-\(id)")
                #expect(delivery.header("DriveSync-Event") == "file.changed")
                let event = try JSONDecoder().decode(EventStream.Event.self, from: body)
                #expect(event.id == id && event.data == ["id": "f1", "name": "a.txt"])

                // The receiver that is down: its deliveries fail, and are tried again rather than given up.
                let downJobs: @Sendable () async throws -> [JobStatus] = {
                    try await jobs.list(JobFilter(kinds: [DriveSync.notifyKind], limit: 100))
                        .filter { $0.summary.contains("tell down") }
                }
                let failing = try await eventually(timeout: .seconds(60)) {
                    let down = try await downJobs()
                    return down.count == 2 && down.allSatisfy { $0.error?.contains("127.0.0.1:9") == true }
                }
                #expect(failing, "both events to the down receiver failed and wait to retry")
                #expect(try await downJobs().allSatisfy { !$0.state.isFinished })
                let notifyJobs = try await jobs.list(JobFilter(kinds: [DriveSync.notifyKind], limit: 100))
                #expect(notifyJobs.count == 3, "app wants file.changed only; down wants both")
                group.cancelAll()
            }
        }
    }
}
