import DriveSyncCore
import Foundation
import Metrics

/// Drive metadata a service reads again and again — items by ID, path lookups, folder listings — kept for
/// `timeToLive` and at most `capacity` entries (the least recently used go first). Writes the service
/// makes invalidate what they touch: paths by prefix, listings by folder, items by ID; the changes feed
/// invalidates what others changed.
actor MetadataCache {
    enum Key: Hashable {
        case item(String)
        case path(RemotePath)
        case listing(folderID: String, pageToken: String?, pageSize: Int)
    }

    enum Value {
        case item(DriveItem)
        case listing(items: [DriveItem], nextPageToken: String?)
    }

    struct Settings: Sendable {
        var timeToLive: TimeInterval = 30
        var capacity = 10_000
    }

    private struct Entry {
        var value: Value
        var stored: Date
        var used: UInt64
    }

    private let settings: Settings
    private let now: @Sendable () -> Date
    private var entries: [Key: Entry] = [:]
    private var clock: UInt64 = 0
    private static let hits = Counter(label: "drivesync_cache_requests_total", dimensions: [("result", "hit")])
    private static let misses = Counter(label: "drivesync_cache_requests_total", dimensions: [("result", "miss")])

    init(settings: Settings = .init(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.now = now
    }

    var count: Int { entries.count }

    /// The value for `key` when it is fresh; counts a hit or a miss.
    func value(_ key: Key) -> Value? {
        guard var entry = entries[key], now().timeIntervalSince(entry.stored) < settings.timeToLive else {
            entries[key] = nil
            Self.misses.increment()
            return nil
        }
        clock += 1
        entry.used = clock
        entries[key] = entry
        Self.hits.increment()
        return entry.value
    }

    func store(_ value: Value, for key: Key) {
        guard settings.capacity > 0, settings.timeToLive > 0 else { return }
        clock += 1
        entries[key] = Entry(value: value, stored: now(), used: clock)
        guard entries.count > settings.capacity else { return }
        // Evict a tenth at once, least recently used first, so eviction is not paid on every store.
        let excess = entries.count - settings.capacity + max(1, settings.capacity / 10)
        for (key, _) in entries.sorted(by: { $0.value.used < $1.value.used }).prefix(excess) { entries[key] = nil }
    }

    /// Forgets what a change touches: lookups of `path` and below, listings of `folders`, `items`, and
    /// any path lookup that led to one of `items`.
    func invalidate(path: RemotePath? = nil, folders: [String] = [], items: [String] = []) {
        let folders = Set(folders)
        let items = Set(items)
        // Where the changed items were found: what was below them may have moved with them.
        var prefixes = path.map { [$0] } ?? []
        for (key, entry) in entries {
            if case .path(let cached) = key, case .item(let item) = entry.value, items.contains(item.id) {
                prefixes.append(cached)
            }
        }
        entries = entries.filter { key, _ in
            switch key {
            case .path(let cached):
                return !prefixes.contains { $0.contains(cached) }
            case .listing(let folderID, _, _):
                return !folders.contains(folderID) && !items.contains(folderID)
            case .item(let id):
                return !items.contains(id)
            }
        }
    }

    /// The IDs of the folders on the way to `path` that a lookup cached (the root included).
    func cachedFolderIDs(along path: RemotePath) -> [String] {
        var ids: [String] = []
        var current: RemotePath? = path
        while let folder = current {
            if case .item(let item)? = entries[.path(folder)]?.value { ids.append(item.id) }
            current = folder.parent
        }
        return ids
    }

    func removeAll() { entries.removeAll() }

    /// The parents the cache knows for `ids`: where they were before a change moved them.
    func cachedParents(of ids: Set<String>) -> [String] {
        entries.values.flatMap { entry -> [String] in
            guard case .item(let item) = entry.value, ids.contains(item.id) else { return [] }
            return item.parents
        }
    }

    /// The changes feed's cursor: where the next look at the feed starts.
    var changeCursor: String?

    func setChangeCursor(_ cursor: String) { changeCursor = cursor }
}
