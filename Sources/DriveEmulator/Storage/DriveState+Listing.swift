/// Which files a `files.list` call searches.
struct ListingSearch: Sendable {
    enum Corpora: String, Sendable {
        case user, domain, drive, allDrives
    }

    var corpora: Corpora = .user
    var driveId: String?
    var includeItemsFromAllDrives = false
    var supportsAllDrives = false
    var spaces: Set<String> = ["drive"]
}

/// One `orderBy` key.
struct SortKey: Sendable, Equatable {
    var field: String
    var descending: Bool

    static let allowed: Set<String> = [
        "createdTime", "folder", "modifiedByMeTime", "modifiedTime", "name", "name_natural", "quotaBytesUsed",
        "recency", "sharedWithMeTime", "starred", "viewedByMeTime",
    ]

    static func parse(_ text: String) throws(DriveError) -> [SortKey] {
        try text.split(separator: ",").map { item throws(DriveError) in
            let words = item.split(separator: " ").map(String.init)
            guard let field = words.first, allowed.contains(field), words.count <= 2,
                words.count == 1 || words[1].lowercased() == "desc" || words[1].lowercased() == "asc"
            else { throw .invalidParameter("orderBy", message: "Invalid sorting field.") }
            return SortKey(field: field, descending: words.count == 2 && words[1].lowercased() == "desc")
        }
    }
}

extension DriveState {
    /// Runs a search; returns every match in order (the handler pages through it).
    func search(
        user: String,
        query: DriveQuery?,
        scope: ListingSearch,
        orderBy: [SortKey]
    ) throws(DriveError) -> [FileRecord] {
        let aliases = ["root": resolve("root", for: user), "appDataFolder": resolve("appDataFolder", for: user)]
        var candidates: [FileRecord]
        if let query, let parents = Self.requiredParents(in: query) {
            var seen: Set<String> = []
            candidates = parents.flatMap { children[aliases[$0] ?? $0] ?? [] }.filter { seen.insert($0).inserted }
                .compactMap { files[$0] }
        } else {
            candidates = Array(files.values)
        }
        var results: [FileRecord] = []
        for file in candidates {
            // Roots (My Drive, a shared drive's top) are never listed, as on Drive.
            guard !file.parents.isEmpty, role(of: user, on: file) != nil, scope.spaces.contains(space(of: file)) else {
                continue
            }
            if let driveId = file.driveId {
                switch scope.corpora {
                case .drive: guard driveId == scope.driveId else { continue }
                case .allDrives: break
                case .user, .domain: guard scope.includeItemsFromAllDrives && scope.supportsAllDrives else { continue }
                }
            } else if scope.corpora == .drive {
                continue
            }
            if let query {
                do {
                    guard try query.matches(queryable(file, for: user), aliases: aliases) else { continue }
                } catch {
                    throw .invalidParameter("q")
                }
            }
            results.append(file)
        }
        results.sort { Self.precedes($0, $1, by: orderBy) }
        return results
    }

    /// Parents one of which every match must have (`'X' in parents and ...`, or `'A' in parents or 'B' in
    /// parents` as rclone's --fast-list and DriveSync's pull send), to search only those folders' children.
    static func requiredParents(in query: DriveQuery) -> [String]? {
        switch query {
        case .membership(let value, "parents"): return [value]
        case .and(let left, let right): return requiredParents(in: left) ?? requiredParents(in: right)
        case .or(let left, let right):
            guard let left = requiredParents(in: left), let right = requiredParents(in: right) else { return nil }
            return left + right
        default: return nil
        }
    }

    private static func precedes(_ a: FileRecord, _ b: FileRecord, by keys: [SortKey]) -> Bool {
        for key in keys {
            let order = compare(a, b, key.field)
            if order != 0 { return key.descending ? order > 0 : order < 0 }
        }
        if a.createdTime != b.createdTime { return a.createdTime < b.createdTime }
        return a.id < b.id
    }

    private static func compare(_ a: FileRecord, _ b: FileRecord, _ field: String) -> Int {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch field {
        case "folder": return order(a.isFolder ? 0 : 1, b.isFolder ? 0 : 1)
        case "name": return order(a.name, b.name)
        case "name_natural": return naturalOrder(a.name, b.name)
        case "modifiedTime", "recency": return order(a.modifiedTime, b.modifiedTime)
        case "modifiedByMeTime": return order(a.modifiedByMeTime ?? 0, b.modifiedByMeTime ?? 0)
        case "viewedByMeTime": return order(a.viewedByMeTime ?? 0, b.viewedByMeTime ?? 0)
        case "createdTime", "sharedWithMeTime": return order(a.createdTime, b.createdTime)
        case "quotaBytesUsed": return order(a.size ?? 0, b.size ?? 0)
        case "starred": return order(a.starred ? 1 : 0, b.starred ? 1 : 0)
        default: return 0
        }
    }

    /// Case-insensitive, with runs of digits compared by value (`file2` before `file10`).
    static func naturalOrder(_ a: String, _ b: String) -> Int {
        var left = Array(a.lowercased())[...]
        var right = Array(b.lowercased())[...]
        while let l = left.first, let r = right.first {
            if l.isNumber && r.isNumber {
                let leftDigits = left.prefix { $0.isNumber }
                let rightDigits = right.prefix { $0.isNumber }
                let leftValue = Int(String(leftDigits)) ?? 0
                let rightValue = Int(String(rightDigits)) ?? 0
                if leftValue != rightValue { return leftValue < rightValue ? -1 : 1 }
                left = left.dropFirst(leftDigits.count)
                right = right.dropFirst(rightDigits.count)
            } else {
                if l != r { return l < r ? -1 : 1 }
                left = left.dropFirst()
                right = right.dropFirst()
            }
        }
        return left.isEmpty == right.isEmpty ? 0 : (left.isEmpty ? -1 : 1)
    }

    // MARK: Changes

    struct ChangeView: Sendable {
        var change: ChangeRecord
        var file: FileRecord?
    }

    struct ChangePage: Sendable {
        var changes: [ChangeView]
        var nextPageToken: Int64?
        var newStartPageToken: Int64?
    }

    /// The changes a user may see from `start` on, newest state per file, paged.
    func changes(
        for user: String,
        from start: Int64,
        pageSize: Int,
        driveId: String?,
        includeItemsFromAllDrives: Bool,
        restrictToMyDrive: Bool,
        includeRemoved: Bool,
        spaces: Set<String> = ["drive"]
    ) -> ChangePage {
        // Sequences ascend: the page's first change is found by bisection, not by a pass over the feed.
        var low = changes.startIndex
        var high = changes.endIndex
        while low < high {
            let middle = (low + high) / 2
            if changes[middle].sequence < start { low = middle + 1 } else { high = middle }
        }
        let firstIndex = low
        var page: [ChangeView] = []
        var index = firstIndex
        while index < changes.endIndex, page.count < pageSize {
            let change = changes[index]
            index += 1
            guard let fileId = change.fileId, latestChange[fileId] == change.sequence else { continue }
            if let driveId {
                guard change.driveId == driveId else { continue }
            } else if change.driveId != nil, !includeItemsFromAllDrives || restrictToMyDrive {
                continue
            }
            let current = files[fileId]
            if let current, role(of: user, on: current) != nil {
                guard spaces.contains(space(of: current)) else { continue }
                page.append(ChangeView(change: change, file: current))
            } else if change.audience.contains(user), includeRemoved {
                page.append(ChangeView(change: change, file: nil))
            }
        }
        let head = nextChangeSequence
        if index < changes.endIndex {
            return ChangePage(changes: page, nextPageToken: changes[index].sequence, newStartPageToken: nil)
        }
        return ChangePage(changes: page, nextPageToken: nil, newStartPageToken: head)
    }
}
