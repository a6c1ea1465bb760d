import AsyncHTTPClient
public import DurableQueue
import Foundation
import NIOCore
import NIOHTTP1

extension DriveSync {
    /// The job that POSTs one event to one `[notify NAME]` receiver, signed (`WebhookSignature`); a failed
    /// delivery retries on the queue with backoff and ends dead after `notifyAttempts`.
    public static let notifyKind = "notify"
    static let notifyAttempts = 10

    struct NotifyArguments: Codable {
        var target: String
        var event: EventStream.Event
    }

    /// A receiver's answer that is not 2xx, or no answer.
    struct NotifyFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The `notify` handler: the event as JSON (`id`, `time`, `type`, `data`), with `DriveSync-Signature`,
    /// `Idempotency-Key` (the same for every attempt of one event) and `DriveSync-Event` headers.
    func notifyHandler() -> JobHandler {
        { execution in
            let arguments = try Self.arguments(
                NotifyArguments.self,
                of: execution,
                usage: #"{"target": NAME, "event": EVENT}"#
            )
            guard let target = self.configuration.notify.first(where: { $0.name == arguments.target }) else {
                throw PermanentJobFailure("[notify \(arguments.target)] is no longer configured")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let body = try encoder.encode(arguments.event)
            var request = HTTPClientRequest(url: target.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "DriveSync")
            request.headers.add(name: "DriveSync-Event", value: arguments.event.type)
            request.headers.add(name: "Idempotency-Key", value: "event-\(arguments.event.id)")
            request.headers.add(
                name: WebhookSignature.header,
                value: WebhookSignature.sign(body, secret: target.secret, time: Date())
            )
            request.body = .bytes(ByteBuffer(bytes: body))
            let response: HTTPClientResponse
            do {
                response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            } catch {
                throw NotifyFailure(description: "\(target.url) could not be reached: \(error)")
            }
            _ = try? await response.body.collect(upTo: 64 << 10)
            guard (200..<300).contains(response.status.code) else {
                throw NotifyFailure(description: "\(target.url) answered \(response.status.code)")
            }
            return .completed(result: #"{"status": \#(response.status.code)}"#)
        }
    }
}

extension ServiceDatabase {
    /// Queues the delivery of `event` to each of `targets` that wants its type. A `notify` job's own
    /// events are never delivered: each delivery would announce another.
    func queueNotifications(of event: EventStream.Event, to targets: [Configuration.Notify]) async throws {
        guard event.data["kind"] != DriveSync.notifyKind else { return }
        let jobs = try targets.filter { $0.wants(event.type) }.map { target in
            NewJob(
                kind: DriveSync.notifyKind,
                arguments: String(
                    decoding: try JSONEncoder().encode(DriveSync.NotifyArguments(target: target.name, event: event)),
                    as: UTF8.self
                ),
                summary: "tell \(target.name) of \(event.type) \(event.id)",
                priority: 5,
                maxAttempts: DriveSync.notifyAttempts,
                uniqueKey: "notify:\(target.name):\(event.id)"
            )
        }
        guard !jobs.isEmpty else { return }
        _ = try await enqueue(jobs)
    }
}
