public import DriveSyncCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks a local folder into `LocalItem`s, honouring ignore rules. Symbolic links are skipped with a
/// warning unless followed on request; unreadable files and folders are reported and skipped, and mark
/// the scan incomplete so that nothing is deleted on its strength.
public struct LocalScanner: Sendable {
    public struct Options: Sendable {
        public var followSymlinks: Bool
        public var useDefaultIgnores: Bool
        /// Patterns from the configuration, applied from the root like a top-level `.drivesyncignore`.
        public var extraIgnores: [String]
        /// Whether `.drivesyncignore` files found in the tree add rules (not in a pull's mirror, where
        /// such a file is Drive content like any other).
        public var readsIgnoreFiles: Bool

        public init(
            followSymlinks: Bool = false,
            useDefaultIgnores: Bool = true,
            extraIgnores: [String] = [],
            readsIgnoreFiles: Bool = true
        ) {
            self.followSymlinks = followSymlinks
            self.useDefaultIgnores = useDefaultIgnores
            self.extraIgnores = extraIgnores
            self.readsIgnoreFiles = readsIgnoreFiles
        }
    }

    public enum Warning: Hashable, Sendable, CustomStringConvertible {
        case symlinkSkipped(String)
        case unreadable(String, reason: String)
        case unsupportedName(String)

        public var description: String {
            switch self {
            case .symlinkSkipped(let path): "skipped symbolic link \(path) (use --follow-symlinks to follow links)"
            case .unreadable(let path, let reason): "could not read \(path): \(reason)"
            case .unsupportedName(let path): "skipped \(path): the name cannot be synced"
            }
        }
    }

    public struct Result: Sendable {
        /// Files and folders, sorted by path.
        public var items: [LocalItem]
        public var warnings: [Warning]
        /// False when something could not be read: the sync must not delete on this scan.
        public var isComplete: Bool

        public init(items: [LocalItem], warnings: [Warning], isComplete: Bool) {
            self.items = items
            self.warnings = warnings
            self.isComplete = isComplete
        }
    }

    public var options: Options

    public init(options: Options = .init()) { self.options = options }

    /// Walks `root` depth first, each folder's names in byte order, so the items come out sorted by path
    /// (a folder right before its contents) without sorting them all at the end.
    public func scan(root: String) throws -> Result {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ScanError(
                code: .notAFolder,
                path: root,
                message: "the source folder does not exist or is not a folder"
            )
        }
        let descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ScanError(code: .unreadable, path: root, message: String(cString: strerror(errno)))
        }
        var rules = options.useDefaultIgnores ? IgnoreRules.defaults : IgnoreRules()
        if !options.extraIgnores.isEmpty {
            rules.add(contentsOf: options.extraIgnores.joined(separator: "\n"), in: [], source: "configuration")
        }
        var walk = Walk(options: options, rules: rules)
        walk.visit(descriptor, .root, at: root, ancestors: [])
        return Result(items: walk.items, warnings: walk.warnings, isComplete: walk.complete)
    }

    private struct Walk {
        let options: Options
        var rules: IgnoreRules
        var items: [LocalItem] = []
        var warnings: [Warning] = []
        var complete = true

        init(options: Options, rules: IgnoreRules) {
            self.options = options
            self.rules = rules
        }

        /// Reads one folder (its open descriptor, closed here) and everything below it. Each folder
        /// carries the real paths of the folders above it, so a followed link that loops back to one of
        /// them is not walked forever.
        mutating func visit(_ descriptor: Int32, _ folder: RemotePath, at folderPath: String, ancestors: Set<String>) {
            var ancestors = ancestors
            if options.followSymlinks {
                let resolved = URL(fileURLWithPath: folderPath).resolvingSymlinksInPath().path
                guard ancestors.insert(resolved).inserted else {
                    close(descriptor)
                    warnings.append(.symlinkSkipped(folder.description))
                    return
                }
            }
            guard let directory = fdopendir(descriptor) else {
                close(descriptor)
                return unreadable(folder, String(cString: strerror(errno)))
            }
            defer { closedir(directory) }
            if options.readsIgnoreFiles,
                let text = try? String(contentsOfFile: folderPath + "/" + IgnoreRules.fileName, encoding: .utf8)
            {
                rules.add(contentsOf: text, in: folder.components, source: folderPath + "/" + IgnoreRules.fileName)
            }
            guard var names = readNames(directory, folder) else { return }
            names.sort { RemotePath.compareNames($0, $1) < 0 }
            let folderDescriptor = dirfd(directory)
            for name in names {
                guard let path = try? folder.appending(name) else {
                    warnings.append(.unsupportedName(folder.isRoot ? name : folder.description + "/" + name))
                    continue
                }
                // Entries are examined relative to their folder, so the kernel does not walk the whole
                // path again for each one; lstat directly, Foundation's attribute dictionaries cost more
                // than the walk itself.
                var info = stat()
                guard fstatat(folderDescriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                    unreadable(path, String(cString: strerror(errno)))
                    continue
                }
                if info.st_mode & S_IFMT == S_IFLNK {
                    guard options.followSymlinks, fstatat(folderDescriptor, name, &info, 0) == 0 else {
                        warnings.append(.symlinkSkipped(path.description))
                        continue
                    }
                }
                let isFolder = info.st_mode & S_IFMT == S_IFDIR
                guard isFolder || info.st_mode & S_IFMT == S_IFREG else { continue }
                if rules.isIgnored(path.components, isFolder: isFolder) { continue }
                if isFolder {
                    items.append(LocalItem(path: path, kind: .folder))
                    let child = openat(folderDescriptor, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                    guard child >= 0 else {
                        unreadable(path, String(cString: strerror(errno)))
                        continue
                    }
                    visit(child, path, at: folderPath + "/" + name, ancestors: ancestors)
                } else {
                    guard Self.isReadable(info) || faccessat(folderDescriptor, name, R_OK, 0) == 0 else {
                        unreadable(path, "permission denied")
                        continue
                    }
                    items.append(
                        LocalItem(
                            path: path,
                            kind: .file,
                            size: Int64(info.st_size),
                            modified: modificationMilliseconds(info)
                        )
                    )
                }
            }
        }

        /// The folder's names, except `.` and `..`; names that are not UTF-8 are reported and left out.
        private mutating func readNames(_ directory: OpaquePointer, _ folder: RemotePath) -> [String]? {
            var names: [String] = []
            while true {
                errno = 0
                guard let entry = readdir(directory) else {
                    if errno != 0 {
                        unreadable(folder, String(cString: strerror(errno)))
                        return nil
                    }
                    return names
                }
                let (name, raw) = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(
                        to: CChar.self,
                        capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)
                    ) {
                        (String(validatingCString: $0), $0)
                    }
                }
                guard let name else {
                    let shown = String(cString: raw)
                    warnings.append(.unsupportedName(folder.isRoot ? shown : folder.description + "/" + shown))
                    continue
                }
                if name != "." && name != ".." { names.append(name) }
            }
        }

        private mutating func unreadable(_ path: RemotePath, _ reason: String) {
            warnings.append(.unreadable(path.description, reason: reason))
            complete = false
        }

        private static let effectiveUser = geteuid()

        /// Readable without asking the kernel: the owner's read bit, or root. Anything else (groups,
        /// ACLs) is left to `faccessat`.
        private static func isReadable(_ info: stat) -> Bool {
            effectiveUser == 0 || (info.st_uid == effectiveUser && info.st_mode & S_IRUSR != 0)
        }
    }
}

/// A file's modification time in milliseconds since 1970.
func modificationMilliseconds(_ info: stat) -> Int64 {
    #if canImport(Darwin)
    let time = info.st_mtimespec
    #else
    let time = info.st_mtim
    #endif
    return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
}

/// The source cannot be scanned at all.
/// A folder that cannot be scanned at all (a scan that meets unreadable entries inside goes on, with
/// warnings).
public struct ScanError: UserFacingError, Sendable {
    public struct Code: Hashable, Sendable {
        let name: String
        public static let notAFolder = Code(name: "notAFolder")
        public static let unreadable = Code(name: "unreadable")
    }

    public var code: Code
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}
