/// Who may see and change what: ownership, permissions inherited down the folder tree, and shared-drive
/// membership. A user without access gets 404, exactly as on Drive.
extension DriveState {
    func account(_ email: String) -> UserRecord? { users[email] }

    /// Resolves the `root` alias for a user.
    func resolve(_ id: String, for user: String) -> String {
        switch id {
        case "root": users[user]?.rootFolderId ?? id
        case "appDataFolder": users[user]?.appDataFolderId ?? id
        default: id
        }
    }

    /// `appDataFolder` for files below the user's application data folder, `drive` otherwise.
    func space(of file: FileRecord) -> String {
        guard let owner = file.owner, let appData = users[owner]?.appDataFolderId else { return "drive" }
        return ancestry(of: file.id).contains(appData) ? "appDataFolder" : "drive"
    }

    /// The ids from a file up to its top-level folder, the file first.
    func ancestry(of id: String) -> [String] {
        var chain: [String] = []
        var current: String? = id
        var seen: Set<String> = []
        while let next = current, !seen.contains(next) {
            chain.append(next)
            seen.insert(next)
            current = files[next]?.parents.first
        }
        return chain
    }

    /// The strongest role a user holds on a file, or `nil` for no access.
    func role(of user: String, on file: FileRecord) -> Role? {
        // A drive.file token sees the user's root (to create in it) and its own app's files only.
        if let app = RequestApp.restriction, file.id != users[user]?.rootFolderId, !(file.appIds ?? []).contains(app) {
            return nil
        }
        if file.owner == user { return .owner }
        let domain = user.split(separator: "@").last.map(String.init)
        var best: Role?
        for id in ancestry(of: file.id) {
            for permission in permissions[id] ?? [] {
                let applies: Bool
                switch permission.type {
                case "user", "group": applies = permission.emailAddress?.lowercased() == user.lowercased()
                case "domain": applies = permission.domain == domain
                case "anyone": applies = true
                default: applies = false
                }
                if applies, let role = Role(name: permission.role), best.map({ role > $0 }) ?? true { best = role }
            }
        }
        return best
    }

    /// Finds a file the user can see; shared-drive items need `supportsAllDrives`.
    func accessibleFile(_ rawID: String, user: String, supportsAllDrives: Bool) throws(DriveError) -> (FileRecord, Role)
    {
        let id = resolve(rawID, for: user)
        guard let file = files[id], let role = role(of: user, on: file) else { throw .fileNotFound(rawID) }
        if file.driveId != nil, !supportsAllDrives { throw .fileNotFound(rawID) }
        return (file, role)
    }

    /// Users who can currently see a file: they hear about its changes.
    func audience(of id: String) -> Set<String> {
        guard let file = files[id] else { return [] }
        var emails: Set<String> = []
        if let owner = file.owner { emails.insert(owner) }
        for ancestor in ancestry(of: id) {
            for permission in permissions[ancestor] ?? [] where permission.type == "user" || permission.type == "group"
            {
                if let email = permission.emailAddress { emails.insert(email) }
            }
        }
        return emails
    }

    /// Bytes a user stores: head revisions of owned files, and of those, the ones in the trash.
    func storageUsage(of user: String) -> (total: Int64, trash: Int64) {
        var total: Int64 = 0
        var trash: Int64 = 0
        for file in files.values where file.owner == user {
            for revision in revisions[file.id] ?? [] {
                total += revision.size
                if file.trashed { trash += revision.size }
            }
        }
        return (total, trash)
    }

    func checkQuota(owner: String?, adding bytes: Int64) throws(DriveError) {
        guard let owner, let limit = users[owner]?.storageLimit else { return }
        if bytes > 0, storageUsage(of: owner).total + bytes > limit { throw .storageQuotaExceeded }
    }

    /// Every file below a folder (not including it), depth first.
    func descendants(of id: String) -> [String] {
        var result: [String] = []
        var stack = Array(children[id] ?? [])
        while let next = stack.popLast() {
            result.append(next)
            stack.append(contentsOf: children[next] ?? [])
        }
        return result
    }
}
