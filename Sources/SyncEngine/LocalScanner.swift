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

        public init(followSymlinks: Bool = false, useDefaultIgnores: Bool = true, extraIgnores: [String] = []) {
            self.followSymlinks = followSymlinks
            self.useDefaultIgnores = useDefaultIgnores
            self.extraIgnores = extraIgnores
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
    }

    public var options: Options

    public init(options: Options = .init()) { self.options = options }

    public func scan(root: String) throws -> Result {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ScanError(path: root, message: "the source folder does not exist or is not a folder")
        }
        var rules = options.useDefaultIgnores ? IgnoreRules.defaults : IgnoreRules()
        if !options.extraIgnores.isEmpty { rules.add(contentsOf: options.extraIgnores.joined(separator: "\n"), in: [], source: "configuration") }
        var items: [LocalItem] = []
        var warnings: [Warning] = []
        var complete = true
        // Each folder carries the real paths of the folders above it, so a followed link that loops back
        // to one of them is not walked forever.
        var pending: [(folder: RemotePath, ancestors: Set<String>)] = [(.root, [])]
        while let (folder, above) = pending.popLast() {
            let folderPath = folder.isRoot ? root : root + "/" + folder.description
            var ancestors = above
            if options.followSymlinks {
                let resolved = URL(fileURLWithPath: folderPath).resolvingSymlinksInPath().path
                guard ancestors.insert(resolved).inserted else {
                    warnings.append(.symlinkSkipped(folder.description))
                    continue
                }
            }
            if let text = try? String(contentsOfFile: folderPath + "/" + IgnoreRules.fileName, encoding: .utf8) {
                rules.add(contentsOf: text, in: folder.components, source: folderPath + "/" + IgnoreRules.fileName)
            }
            let names: [String]
            do {
                names = try manager.contentsOfDirectory(atPath: folderPath)
            } catch {
                warnings.append(.unreadable(folder.description, reason: "\(error.localizedDescription)"))
                complete = false
                continue
            }
            // Entries are examined relative to their folder, so the kernel does not walk the whole path
            // again for each one.
            let folderDescriptor = open(folderPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard folderDescriptor >= 0 else {
                warnings.append(.unreadable(folder.description, reason: String(cString: strerror(errno))))
                complete = false
                continue
            }
            defer { close(folderDescriptor) }
            for name in names {  // sorted once at the end
                guard let path = try? folder.appending(name) else {
                    warnings.append(.unsupportedName(folder.isRoot ? name : folder.description + "/" + name))
                    continue
                }
                // lstat directly: Foundation's attribute dictionaries cost more than the walk itself.
                var info = stat()
                guard fstatat(folderDescriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                    warnings.append(.unreadable(path.description, reason: String(cString: strerror(errno))))
                    complete = false
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
                    pending.append((path, ancestors))
                } else {
                    guard faccessat(folderDescriptor, name, R_OK, 0) == 0 else {
                        warnings.append(.unreadable(path.description, reason: "permission denied"))
                        complete = false
                        continue
                    }
                    items.append(LocalItem(path: path, kind: .file, size: Int64(info.st_size), modified: Self.modificationMilliseconds(info)))
                }
            }
        }
        let sorted = items.map { ($0.path.orderingKey, $0) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }.map(\.1)
        return Result(items: sorted, warnings: warnings, isComplete: complete)
    }
}

extension LocalScanner {
    static func modificationMilliseconds(_ info: stat) -> Int64 {
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }
}

/// The source cannot be scanned at all.
public struct ScanError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}
