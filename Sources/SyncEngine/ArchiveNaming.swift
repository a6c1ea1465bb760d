public import DriveSyncCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Where replaced and conflicting remote copies go. Pure, so names are predictable and tested.
public enum ArchiveNaming {
    /// `20240501T123456Z`: sortable, no characters any file system refuses.
    public static func stamp(_ date: Date) -> String {
        let iso = DriveTimestamp.format(date)  // 2024-05-01T12:34:56.789Z
        let digits = iso.prefix(19).filter { $0 != "-" && $0 != ":" }
        return digits + "Z"
    }

    /// The time a `stamp` names, or `nil` for text that is not one.
    public static func date(fromStamp stamp: String) -> Date? {
        let digits = Array(stamp)
        guard digits.count == 16, digits[8] == "T", digits[15] == "Z" else { return nil }
        let text =
            "\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))T\(String(digits[9..<11])):\(String(digits[11..<13])):\(String(digits[13..<15]))Z"
        return DriveTimestamp.parseMilliseconds(text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// `name_STAMP.ext` (the extension kept last so the file still opens with the right program).
    public static func stamped(_ name: String, _ date: Date, label: String = "") -> String {
        insert((label.isEmpty ? "_" : "_\(label)_") + stamp(date), into: name)
    }

    /// `suffix` added before the extension (`a.tar.gz` → `a.tar<suffix>.gz`); a leading dot is no extension.
    static func insert(_ suffix: String, into name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name + suffix }
        return String(name[..<dot]) + suffix + String(name[dot...])
    }

    /// `Archive/<same folders>/<name>_<STAMP>.<ext>` below `archiveRoot`.
    public static func archivedPath(for path: RemotePath, at date: Date, archiveRoot: RemotePath) throws -> RemotePath {
        var result = archiveRoot
        for component in path.components.dropLast() { result = try result.appending(component) }
        return try result.appending(stamped(path.name, date))
    }

    /// `<name>_conflict_<STAMP>.<ext>` beside the original.
    public static func conflictPath(for path: RemotePath, at date: Date) throws -> RemotePath {
        try (path.parent ?? .root).appending(stamped(path.name, date, label: "conflict"))
    }

    /// `name-N.ext`: the `N`th variant of a taken name.
    public static func numbered(_ path: RemotePath, _ number: Int) throws -> RemotePath {
        try (path.parent ?? .root).appending(insert("-\(number)", into: path.name))
    }
}
