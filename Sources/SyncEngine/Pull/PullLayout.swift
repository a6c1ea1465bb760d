public import DriveSyncCore
import Foundation

/// One thing a pull puts in the local folder.
public struct PullTarget: Hashable, Sendable {
    public enum Content: Hashable, Sendable {
        case folder
        /// The item's own bytes, verified against `md5`.
        case file
        /// A document exported to a format.
        case export(mimeType: String)
    }

    public var path: RemotePath
    /// The item whose content this is: a followed shortcut's target, else the item itself.
    public var sourceID: String
    public var content: Content
    public var size: Int64
    public var md5: String?
    /// Epoch milliseconds: the local file gets this modification time.
    public var modified: Int64
    /// The content version (head revision or document version): a later pull re-exports only when it moved.
    public var version: String?

    public init(
        path: RemotePath,
        sourceID: String,
        content: Content,
        size: Int64 = 0,
        md5: String? = nil,
        modified: Int64 = 0,
        version: String? = nil
    ) {
        self.path = path
        self.sourceID = sourceID
        self.content = content
        self.size = size
        self.md5 = md5
        self.modified = modified
        self.version = version
    }
}

/// Lays a remote tree out as local paths. Pure: the whole naming policy lives here and is table-tested.
///
/// Drive allows what file systems do not, so names are made safe, the same way every time:
/// - `/` becomes `／` (U+FF0F), NUL becomes `␀` (U+2400), a name `.` or `..` becomes `．` or `．．`
///   (U+FF0E), an empty name `_`; DriveSync's own `.drivesync` folder name gets ` (Drive)` added.
/// - A name longer than 255 bytes is cut (at a character, the extension kept) and `~` and 8 hex digits
///   of its hash are added, so two long names that share a beginning stay apart.
/// - Duplicate names in one folder (after the above, and after exports get their extension): the
///   oldest item keeps the name, each other gets ` (ID)` before its extension, its Drive ID: stable
///   across pulls, and it says which item it is.
/// - Documents get their export's extension unless their name already ends with it.
public enum PullLayout {
    public enum Shortcuts: String, Sendable, CaseIterable {
        /// A shortcut is pulled as what it points to, under the shortcut's name.
        case follow
        case skip
    }

    public struct Options: Sendable {
        public var shortcuts: Shortcuts
        /// Export format per document type: type to (MIME type, extension); types missing are skipped.
        public var exports: [String: ExportFormat]

        public init(shortcuts: Shortcuts = .follow, exports: [String: ExportFormat] = [:]) {
            self.shortcuts = shortcuts
            self.exports = exports
        }
    }

    /// Something the user should hear about: a name made safe, an item left out.
    public enum Note: Hashable, Sendable, CustomStringConvertible {
        case renamed(String, as: RemotePath, reason: String)
        case skipped(String, reason: String)

        public var description: String {
            switch self {
            case .renamed(let original, let path, let reason): "'\(original)' is pulled as \(path) (\(reason))"
            case .skipped(let path, let reason): "skipped \(path): \(reason)"
            }
        }

        func logEntry(at time: Date) -> PullLogEntry {
            switch self {
            case .renamed(let original, let path, let reason):
                PullLogEntry(
                    timestamp: DriveTimestamp.format(time),
                    file: original,
                    status: .renamed,
                    moved_to: path.description,
                    reason: reason
                )
            case .skipped(let path, let reason):
                PullLogEntry(timestamp: DriveTimestamp.format(time), file: path, status: .skipped, reason: reason)
            }
        }
    }

    public static let nameLimit = 255
    static let reservedNames: Set<String> = [".drivesync"]

    /// The targets below `rootID`, sorted by path (a folder right before its contents).
    public static func build(
        rootID: String,
        nodes: [String: RemoteNode],
        options: Options
    ) -> (targets: [PullTarget], notes: [Note]) {
        var children: [String: [RemoteNode]] = [:]
        for node in nodes.values {
            for parent in node.parentIDs { children[parent, default: []].append(node) }
        }
        var targets: [PullTarget] = []
        var notes: [Note] = []
        /// One child of a folder: the item, what its content is (a followed shortcut's target) and where
        /// it lands.
        struct Placement {
            var name: String
            let node: RemoteNode
            let content: RemoteNode
            let export: ExportFormat?
            var path = RemotePath.root
        }
        func walk(_ folderID: String, _ folder: RemotePath, ancestors: Set<String>) {
            var entries: [Placement] = []
            for child in children[folderID] ?? [] {
                let shown = folder.isRoot ? child.name : "\(folder)/\(child.name)"
                var content = child
                if child.isShortcut {
                    guard options.shortcuts == .follow else { continue }
                    guard let targetID = child.shortcutTarget, let target = nodes[targetID] else {
                        notes.append(.skipped(shown, reason: "the shortcut's target is gone or cannot be seen"))
                        continue
                    }
                    if target.isFolder, ancestors.contains(target.id) {
                        notes.append(.skipped(shown, reason: "the shortcut points to a folder it is in"))
                        continue
                    }
                    content = target
                }
                var name = child.name
                var export: ExportFormat?
                if content.isDocument {
                    guard let format = options.exports[content.mimeType] else {
                        notes.append(
                            .skipped(shown, reason: "no export format for \(content.mimeType); see --export-formats")
                        )
                        continue
                    }
                    export = format
                    if !name.lowercased().hasSuffix("." + format.fileExtension) { name += "." + format.fileExtension }
                } else if !content.isFolder, !content.canDownload {
                    notes.append(.skipped(shown, reason: "the owner does not allow downloads"))
                    continue
                }
                entries.append(Placement(name: name, node: child, content: content, export: export))
            }
            // The oldest keeps a duplicated name.
            entries.sort { ($0.node.created, $0.node.id) < ($1.node.created, $1.node.id) }
            var taken: Set<RemotePath> = []  // paths compare by bytes, as the file system does
            var placed: [Placement] = []
            for var entry in entries {
                let (base, safeReason) = safeName(entry.name, atRoot: folder.isRoot)
                var (name, reason) = (base, safeReason)
                var number = 1
                while let path = try? folder.appending(name), taken.contains(path) {
                    name = fit(
                        ArchiveNaming.insert(" (\(entry.node.id))" + (number > 1 ? " \(number)" : ""), into: base)
                    )
                    reason = "another item in the folder has the name"
                    number += 1
                }
                guard let path = try? folder.appending(name) else { continue }  // safeName leaves no invalid name
                taken.insert(path)
                if let reason {
                    notes.append(
                        .renamed(
                            folder.isRoot ? entry.node.name : "\(folder)/\(entry.node.name)",
                            as: path,
                            reason: reason
                        )
                    )
                }
                entry.path = path
                placed.append(entry)
            }
            placed.sort { $0.path < $1.path }
            for entry in placed {
                let path = entry.path
                let content = entry.content
                if content.isFolder {
                    targets.append(
                        PullTarget(path: path, sourceID: content.id, content: .folder, modified: content.modified)
                    )
                    walk(content.id, path, ancestors: ancestors.union([content.id]))
                } else {
                    targets.append(
                        PullTarget(
                            path: path,
                            sourceID: content.id,
                            content: entry.export.map { .export(mimeType: $0.mimeType) } ?? .file,
                            size: entry.export == nil ? content.size : 0,
                            md5: entry.export == nil ? content.md5 : nil,
                            modified: content.modified,
                            version: content.version
                        )
                    )
                }
            }
        }
        walk(rootID, .root, ancestors: [rootID])
        return (targets, notes)
    }

    /// A name the local file system takes, and why it differs from the remote one (`nil` when it does not).
    public static func safeName(_ name: String, atRoot: Bool) -> (String, reason: String?) {
        if name.isEmpty { return ("_", "an empty name") }
        if name == "." || name == ".." {
            return (String(repeating: "\u{FF0E}", count: name.count), "'\(name)' is not a file name")
        }
        if atRoot, reservedNames.contains(name) {
            return (name + " (Drive)", "DriveSync keeps its own data under that name")
        }
        var safe = name
        var reasons: [String] = []
        if safe.utf8.contains(UInt8(ascii: "/")) {
            safe = safe.replacingAll("/", with: "\u{FF0F}")
            reasons.append("'/' separates folders")
        }
        if safe.utf8.contains(0) {
            safe = safe.replacingAll("\u{0}", with: "\u{2400}")
            reasons.append("NUL ends names")
        }
        let fitted = fit(safe)
        if fitted != safe { reasons.append("longer than \(nameLimit) bytes") }
        return (fitted, reasons.isEmpty ? nil : reasons.joined(separator: ", "))
    }

    /// `name` cut to `nameLimit` bytes at a character boundary, extension kept, with `~HASH` added.
    static func fit(_ name: String) -> String {
        guard name.utf8.count > nameLimit else { return name }
        var stem = Substring(name)
        var fileExtension = ""
        if let dot = name.lastIndex(of: "."), dot != name.startIndex,
            name.utf8.distance(from: dot, to: name.endIndex) <= 16
        {
            stem = name[..<dot]
            fileExtension = String(name[dot...])
        }
        let tag = "~" + String(format: "%08x", UInt32(truncatingIfNeeded: fnv1a(name)))
        let room = nameLimit - tag.utf8.count - fileExtension.utf8.count
        var cut = ""
        for character in stem {
            guard cut.utf8.count + String(character).utf8.count <= room else { break }
            cut.append(character)
        }
        return cut + tag + fileExtension
    }

    /// FNV-1a over the UTF-8 bytes: stable across runs and platforms, unlike `Hasher`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

extension String {
    /// Scalar by scalar, unlike Foundation's search: a `/` under a combining mark is replaced too.
    fileprivate func replacingAll(_ scalar: Unicode.Scalar, with replacement: String) -> String {
        var result = ""
        for unit in unicodeScalars {
            if unit == scalar { result += replacement } else { result.unicodeScalars.append(unit) }
        }
        return result
    }
}
