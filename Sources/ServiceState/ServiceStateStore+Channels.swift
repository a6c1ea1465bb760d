public import Foundation
import SQLDatabase

/// A Drive push channel the service opened: Drive sends its notifications to `address` with the channel's
/// id and token; only the token's hash is kept.
public struct StoredChannel: Sendable, Hashable {
    /// Where a channel is in its life: open until renewed or no longer wanted, then stopping until
    /// `channels.stop` succeeds, then stopped until it would have expired (a notification for it then says
    /// Drive still sends, and it is stopped again).
    public enum State: String, Sendable, Hashable {
        case open
        case stopping
        case stopped
    }

    public var id: String
    public var account: String
    /// The shared drive watched, or "" for My Drive.
    public var driveID: String
    /// Drive's id of the watched resource, needed to stop the channel.
    public var resourceID: String?
    public var tokenHash: String
    public var address: String
    public var expiration: Date
    public var created: Date
    /// The highest `X-Goog-Message-Number` seen.
    public var lastMessage: Int64
    /// Message numbers skipped, and repeated, so far.
    public var gaps: Int64
    public var repeats: Int64
    public var state: State

    public init(
        id: String,
        account: String,
        driveID: String = "",
        resourceID: String?,
        tokenHash: String,
        address: String,
        expiration: Date,
        created: Date,
        lastMessage: Int64 = 0,
        gaps: Int64 = 0,
        repeats: Int64 = 0,
        state: State = .open
    ) {
        self.id = id
        self.account = account
        self.driveID = driveID
        self.resourceID = resourceID
        self.tokenHash = tokenHash
        self.address = address
        self.expiration = expiration
        self.created = created
        self.lastMessage = lastMessage
        self.gaps = gaps
        self.repeats = repeats
        self.state = state
    }
}

/// Where a notification's message number falls in its channel's sequence.
public enum MessageOrder: Sendable, Hashable {
    case next
    /// Numbers were skipped (Drive dropped or has yet to deliver them).
    case gap(missing: Int64)
    /// A number already seen (a retry, or a late one).
    case repeated
}

extension ServiceStateStore {
    public func saveChannel(_ channel: StoredChannel) async throws {
        try await backend.write(
            SQLStatement(
                """
                INSERT INTO channels (id, account, drive_id, resource_id, token_hash, address, expiration, created,
                    last_message, gaps, repeats, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET resource_id = excluded.resource_id, expiration = excluded.expiration,
                    address = excluded.address, state = excluded.state
                """,
                [
                    .text(channel.id), .text(channel.account), .text(channel.driveID), .text(channel.resourceID),
                    .text(channel.tokenHash), .text(channel.address), .integer(Microseconds.from(channel.expiration)),
                    .integer(Microseconds.from(channel.created)), .integer(channel.lastMessage),
                    .integer(channel.gaps), .integer(channel.repeats), .text(channel.state.rawValue),
                ]
            )
        )
    }

    public func channel(_ id: String) async throws -> StoredChannel? {
        try await backend.read(SQLStatement("SELECT * FROM channels WHERE id = ?", [.text(id)])).first.map(
            channel(from:)
        )
    }

    /// The channels open (of `account` when given), soonest to expire first.
    public func channels(account: String? = nil) async throws -> [StoredChannel] {
        try await backend.read(
            SQLStatement(
                "SELECT * FROM channels\(account == nil ? "" : " WHERE account = ?") ORDER BY expiration, id",
                account.map { [.text($0)] } ?? []
            )
        ).map(channel(from:))
    }

    /// Moves channel `id` to `state`; false when there is no such channel.
    public func setChannelState(_ id: String, to state: StoredChannel.State) async throws -> Bool {
        try await !backend.write(
            SQLStatement("UPDATE channels SET state = ? WHERE id = ? RETURNING id", [.text(state.rawValue), .text(id)])
        ).isEmpty
    }

    /// Forgets the channel; false when there was none.
    public func removeChannel(_ id: String) async throws -> Bool {
        try await !backend.write(SQLStatement("DELETE FROM channels WHERE id = ? RETURNING id", [.text(id)])).isEmpty
    }

    /// Records message `number` of channel `id` and says where it falls; nil when the channel is unknown.
    public func recordMessage(_ number: Int64, channel id: String) async throws -> MessageOrder? {
        try await backend.transaction { connection in
            let lock = backend.dialect == .postgres ? " FOR UPDATE" : ""
            guard
                let last = try await connection.run(
                    SQLStatement("SELECT last_message FROM channels WHERE id = ?\(lock)", [.text(id)])
                ).first?.integer("last_message")
            else { return nil }
            let order: MessageOrder =
                number <= last ? .repeated : number == last + 1 || last == 0 ? .next : .gap(missing: number - last - 1)
            let (gaps, repeats): (Int64, Int64) =
                switch order {
                case .next: (0, 0)
                case .gap(let missing): (missing, 0)
                case .repeated: (0, 1)
                }
            try await connection.run(
                SQLStatement(
                    "UPDATE channels SET last_message = ?, gaps = gaps + ?, repeats = repeats + ? WHERE id = ?",
                    [.integer(max(last, number)), .integer(gaps), .integer(repeats), .text(id)]
                )
            )
            return order
        }
    }

    private func channel(from row: SQLRow) -> StoredChannel {
        StoredChannel(
            id: row.text("id") ?? "",
            account: row.text("account") ?? "",
            driveID: row.text("drive_id") ?? "",
            resourceID: row.text("resource_id"),
            tokenHash: row.text("token_hash") ?? "",
            address: row.text("address") ?? "",
            expiration: Microseconds.date(row.integer("expiration") ?? 0),
            created: Microseconds.date(row.integer("created") ?? 0),
            lastMessage: row.integer("last_message") ?? 0,
            gaps: row.integer("gaps") ?? 0,
            repeats: row.integer("repeats") ?? 0,
            state: row.text("state").flatMap(StoredChannel.State.init(rawValue:)) ?? .open
        )
    }
}
