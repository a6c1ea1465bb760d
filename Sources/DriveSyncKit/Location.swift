public import DriveSyncCore
import Foundation

/// Where a command reads or writes: `drive:path` (the default account, or the embedded local drive),
/// `NAME:path` (a configured account), or a local folder.
public enum Location: Sendable, Hashable, CustomStringConvertible {
    case drive(account: String?, path: RemotePath)
    case local(String)

    public struct Invalid: UserFacingError, Hashable {
        public struct Code: Hashable, Sendable {
            let name: String
            public static let empty = Code(name: "empty")
            /// A Drive path with a name Drive or DriveSync refuses.
            public static let invalidPath = Code(name: "invalidPath")
            public static let unknownAccount = Code(name: "unknownAccount")
        }

        public var code: Code
        public var exitStatus: ExitStatus { .usage }
        public var description: String
    }

    /// Parses a command-line location. A word before `:` is an account only when it is `drive` or a
    /// configured account name; `./x:y` and `/a:b` are local paths.
    public init(parsing text: String, accounts: [String] = []) throws(Invalid) {
        if !text.hasPrefix("/"), !text.hasPrefix("."), let colon = text.firstIndex(of: ":") {
            let name = String(text[..<colon])
            let rest = String(text[text.index(after: colon)...])
            if name == "drive" || accounts.contains(name) {
                do {
                    self = .drive(account: name == "drive" ? nil : name, path: try RemotePath(rest))
                } catch {
                    throw Invalid(code: .invalidPath, description: "\(error); use a path like \(name):Folder/Sub")
                }
                return
            }
            if !name.isEmpty, !name.contains("/"), !FileManager.default.fileExists(atPath: text) {
                let known = (["drive"] + accounts).map { "\($0):" }.joined(separator: ", ")
                throw Invalid(
                    code: .unknownAccount,
                    description:
                        "unknown account '\(name)' in '\(text)'; use one of \(known), add [account \(name)] to the configuration, or write ./\(text) for a local path"
                )
            }
        }
        guard !text.isEmpty else {
            throw Invalid(code: .empty, description: "an empty location; give a folder or drive:PATH")
        }
        self = .local(URL(fileURLWithPath: text).standardizedFileURL.path)
    }

    public var description: String {
        switch self {
        case .drive(let account, let path): "\(account ?? "drive"):\(path)"
        case .local(let path): path
        }
    }

    public var isDrive: Bool { if case .drive = self { true } else { false } }
}
