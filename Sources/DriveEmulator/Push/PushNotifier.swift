import AsyncHTTPClient
import DriveSyncCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
public import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Delivers push notifications for watched channels: the `sync` message first, then `change` (changes
/// channels) or `update`/`trash`/`untrash`/`remove` (file channels), with every `X-Goog-*` header.
///
/// A `Service`: the emulator application runs it. Store mutations only signal it; the wake-up buffer
/// holds one signal, so however many changes arrive, delivery work stays bounded.
public final class PushNotifier: Service, Sendable {
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let logger: Logger
    private let store: DriveStore
    let faults = NotificationFaultState()
    /// Notifications a reorder fault holds back, sent after the next one delivered.
    private let heldBack = Mutex<[Notification]>([])

    init(store: DriveStore, logger: Logger) {
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.store = store
        self.logger = logger
    }

    func signal() { wake.yield() }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Late notifications (a delay fault) wait in this group while the next rounds go out.
            await withDiscardingTaskGroup { group in
                for await _ in self.wakeups {
                    for (notification, milliseconds) in await self.deliver() {
                        group.addTask {
                            try? await Task.sleep(for: .milliseconds(milliseconds))
                            await self.send(notification)
                        }
                    }
                }
            }
        }
    }

    private struct Notification: Sendable {
        var channel: ChannelRecord
        var state: String
        var changed: String?
        var messageNumber: Int64
    }

    /// Works out what each live channel must be told, records it, then sends what the faults let through;
    /// returns the notifications to send late.
    private func deliver() async -> [(Notification, Int)] {
        let notifications: [Notification]
        do {
            notifications = try store.write { state, journal in
                var pending: [Notification] = []
                for var channel in state.channels.values.sorted(by: { $0.id < $1.id }) {
                    if channel.expiration <= state.now {
                        state.channels[channel.id] = nil
                        journal.delete(.channel, channel.id)
                        continue
                    }
                    var events: [(String, String?)] = []
                    if channel.pendingSync {
                        events.append(("sync", nil))
                        channel.pendingSync = false
                    }
                    switch channel.resource {
                    case .changes:
                        let page = state.changes(
                            for: channel.user,
                            from: channel.pageToken ?? state.nextChangeSequence,
                            pageSize: 1,
                            driveId: channel.driveId,
                            includeItemsFromAllDrives: channel.includeItemsFromAllDrives,
                            restrictToMyDrive: channel.restrictToMyDrive,
                            includeRemoved: true
                        )
                        if !page.changes.isEmpty { events.append(("change", nil)) }
                        channel.pageToken = state.nextChangeSequence
                    case .file:
                        let file = channel.fileId.flatMap { state.files[$0] }
                        if channel.fileExists,
                            file == nil || file.map({ state.role(of: channel.user, on: $0) == nil }) == true
                        {
                            events.append(("remove", nil))
                            channel.fileExists = false
                        } else if let file, file.version != channel.fileVersion {
                            if file.trashed != channel.fileTrashed {
                                events.append((file.trashed ? "trash" : "untrash", nil))
                            } else if channel.fileVersion != nil {
                                events.append(("update", "content,properties"))
                            }
                            channel.fileVersion = file.version
                            channel.fileTrashed = file.trashed
                        }
                    }
                    for (resourceState, changed) in events {
                        pending.append(
                            Notification(
                                channel: channel,
                                state: resourceState,
                                changed: changed,
                                messageNumber: channel.nextMessageNumber
                            )
                        )
                        channel.nextMessageNumber += resourceState == "sync" ? 1 : Int64.random(in: 1...1000)
                    }
                    state.channels[channel.id] = channel
                    journal.save(.channel, channel.id, channel)
                }
                return pending
            }
        } catch {
            logger.info("push bookkeeping failed", metadata: ["error": "\(error)"])
            return []
        }
        var late: [(Notification, Int)] = []
        for notification in notifications {
            switch faults.fate(address: notification.channel.address, now: store.clock.milliseconds) {
            case .drop:
                continue
            case .deliver:
                await send(notification)
            case .duplicate:
                await send(notification)
                await send(notification)
            case .delay(let milliseconds):
                late.append((notification, milliseconds))
                continue
            case .reorder:
                heldBack.withLock { $0.append(notification) }
                continue
            }
            for held in heldBack.withLock({ held in
                defer { held.removeAll() }
                return held
            }) { await send(held) }
        }
        return late
    }

    private func send(_ notification: Notification) async {
        let channel = notification.channel
        var request = HTTPClientRequest(url: channel.address)
        request.method = .POST
        request.headers.add(
            name: "User-Agent",
            value: "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)"
        )
        request.headers.add(name: "X-Goog-Channel-ID", value: channel.id)
        request.headers.add(name: "X-Goog-Message-Number", value: String(notification.messageNumber))
        request.headers.add(name: "X-Goog-Resource-ID", value: channel.resourceId)
        request.headers.add(name: "X-Goog-Resource-State", value: notification.state)
        request.headers.add(name: "X-Goog-Resource-URI", value: channel.resourceUri)
        request.headers.add(
            name: "X-Goog-Channel-Expiration",
            value: CurrentDateHandler.httpDate(milliseconds: channel.expiration)
        )
        if let token = channel.token { request.headers.add(name: "X-Goog-Channel-Token", value: token) }
        if let changed = notification.changed { request.headers.add(name: "X-Goog-Changed", value: changed) }
        request.headers.add(name: "Content-Length", value: "0")
        // Google retries 500, 502, 503 and 504 with exponential backoff; anything else is final.
        for attempt in 0..<4 {
            if Task.isCancelled { return }
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 64 << 10)
                guard [500, 502, 503, 504].contains(response.status.code) else { return }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("push delivery failed", metadata: ["channel.id": "\(channel.id)", "error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(100 << attempt))
        }
    }
}

extension DriveEmulator {
    /// `changes.watch` and `files.watch`.
    func watch(_ request: EmulatorRequest, fileId: String?, user: String) async throws -> Response {
        guard let body = try await request.jsonBody() else { throw DriveError.requiredParameter("resource") }
        guard let id = body["id"]?.stringValue, !id.isEmpty, id.count <= 64 else {
            throw DriveError(
                .badRequest,
                reason: "required",
                message: "Channel id is required (at most 64 characters).",
                location: "resource.id",
                locationType: "other"
            )
        }
        guard let type = body["type"]?.stringValue, ["web_hook", "webhook"].contains(type.lowercased()) else {
            throw DriveError(
                .badRequest,
                reason: "invalid",
                message: "Channel type must be web_hook.",
                location: "resource.type",
                locationType: "other"
            )
        }
        guard let address = body["address"]?.stringValue, address.hasPrefix("https://") || address.hasPrefix("http://")
        else {
            throw DriveError(
                .badRequest,
                reason: "push.webhookUrlNotHttps",
                message: "WebHook callback must be HTTPS: \(body["address"]?.stringValue ?? "")"
            )
        }
        let token = body["token"]?.stringValue
        if let token, token.count > 256 { throw DriveError.invalidParameter("resource.token") }
        let now = store.clock.milliseconds
        let maximum = now + (fileId == nil ? 7 * 86_400_000 : 86_400_000)
        let expiration = min(body["expiration"]?.int64Value ?? maximum, maximum)
        var startToken: Int64?
        if fileId == nil {
            guard let text = request.parameter("pageToken") else { throw DriveError.requiredParameter("pageToken") }
            guard let value = Int64(text) else { throw DriveError.invalidParameter("pageToken") }
            startToken = value
        }
        let channel = try store.write { state, journal in
            if state.channels[id] != nil {
                throw DriveError(.badRequest, reason: "channelIdNotUnique", message: "Channel id not unique: \(id)")
            }
            var resourceUri: String
            var file: FileRecord?
            if let fileId {
                file = try state.accessibleFile(fileId, user: user, supportsAllDrives: request.supportsAllDrives).0
                resourceUri = "\(request.origin.base)/drive/v3/files/\(file!.id)?alt=json"
            } else {
                resourceUri = "\(request.origin.base)/drive/v3/changes?alt=json&pageToken=\(startToken!)"
            }
            let channel = ChannelRecord(
                id: id,
                resourceId: Identifier.random(count: 27),
                resourceUri: resourceUri,
                token: token,
                expiration: expiration,
                address: address,
                user: user,
                resource: fileId == nil ? .changes : .file,
                fileId: file?.id,
                driveId: request.parameter("driveId"),
                pageToken: startToken,
                includeItemsFromAllDrives: request.includeItemsFromAllDrives,
                restrictToMyDrive: request.flag("restrictToMyDrive"),
                fileVersion: file?.version,
                fileTrashed: file?.trashed
            )
            state.channels[id] = channel
            journal.save(.channel, id, channel)
            return channel
        }
        pushNotifier.signal()
        var object = JSONObjectBuilder()
        object.add("kind", "api#channel")
        object.add("id", channel.id)
        object.add("resourceId", channel.resourceId)
        object.add("resourceUri", channel.resourceUri)
        object.add("token", channel.token)
        object.addInt64("expiration", channel.expiration)
        return try DriveResponse.json(object.value, for: request, schema: "Channel", defaultFields: nil)
    }

    /// `channels.stop`: only the creator may stop a channel; both `id` and `resourceId` must match.
    func stopChannel(_ request: EmulatorRequest, user: String) async throws -> Response {
        let body = try await request.jsonBody()
        guard let id = body?["id"]?.stringValue, let resourceId = body?["resourceId"]?.stringValue else {
            throw DriveError(.badRequest, reason: "required", message: "Both id and resourceId are required.")
        }
        try store.write { state, journal in
            guard let channel = state.channels[id], channel.resourceId == resourceId, channel.user == user else {
                throw DriveError.notFound("Channel '\(id)'", location: "id")
            }
            state.channels[id] = nil
            journal.delete(.channel, channel.id)
        }
        return DriveResponse.empty()
    }
}

/// A push channel the emulator holds, as tests and the admin endpoint see it.
public struct WatchChannel: Sendable, Hashable, Codable {
    public var id: String
    public var resourceId: String
    public var address: String
    /// The token Drive echoes in every notification (`X-Goog-Channel-Token`).
    public var token: String?
    /// Milliseconds since the epoch.
    public var expiration: Int64
}

extension DriveEmulator {
    /// The channels open now, by id.
    public var watchChannels: [WatchChannel] {
        store.read { state in
            state.channels.values.sorted { $0.id < $1.id }.map {
                WatchChannel(
                    id: $0.id,
                    resourceId: $0.resourceId,
                    address: $0.address,
                    token: $0.token,
                    expiration: $0.expiration
                )
            }
        }
    }

    /// Drops, duplicates, delays or reorders a seeded fraction of notifications from now on (`nil`: none).
    public func setNotificationFaults(_ faults: NotificationFaults?) { pushNotifier.faults.set(faults) }

    /// Delivers nothing to `address` for `seconds` of emulator time, as when the receiver is down for
    /// longer than Google retries.
    public func stopDelivering(to address: String, forSeconds seconds: Double) {
        pushNotifier.faults.stopDelivering(to: address, until: store.clock.milliseconds + Int64(seconds * 1000))
    }

    /// Ends every channel (or one) now, before the expiration Drive granted, as Google sometimes does.
    public func expireChannels(id: String? = nil) throws {
        let now = store.clock.milliseconds
        try store.write { state, journal in
            for key in state.channels.keys where id == nil || key == id {
                state.channels[key] = nil
                journal.delete(.channel, key)
            }
            state.now = max(state.now, now)
        }
    }
}
