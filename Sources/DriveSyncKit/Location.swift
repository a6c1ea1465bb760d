public import DriveSyncCore
import Foundation

/// Where a command reads or writes: `drive:path` (the default account, or the embedded local drive),
/// `NAME:path` (a configured account), either in a shared drive as rclone writes it
/// (`NAME,shared_drive=ENGINEERING:path`, a shared drive's name or ID), or a local folder.
public enum Location: Sendable, Hashable, CustomStringConvertible {
    /// `sharedDrive`, a shared drive's name or ID: the path starts at its top instead of My Drive.
    case drive(account: String?, path: RemotePath, sharedDrive: String? = nil)
    case local(String)

    public struct Invalid: UserFacingError, Hashable {
        public struct Code: Hashable, Sendable {
            let name: String
            public static let empty = Code(name: "empty")
            /// A Drive path with a name Drive or DriveSync refuses.
            public static let invalidPath = Code(name: "invalidPath")
            public static let unknownAccount = Code(name: "unknownAccount")
            /// A shared drive named for a local folder, or named empty.
            public static let invalidSharedDrive = Code(name: "invalidSharedDrive")
        }

        public var code: Code
        public var exitStatus: ExitStatus { .usage }
        public var description: String
    }

    /// Parses a command-line location. A word before `:` is an account only when it is `drive` or a
    /// configured account name; `./x:y` and `/a:b` are local paths.
    public init(parsing text: String, accounts: [String] = []) throws(Invalid) {
        if !text.hasPrefix("/"), !text.hasPrefix("."), let colon = text.firstIndex(of: ":") {
            var name = String(text[..<colon])
            let rest = String(text[text.index(after: colon)...])
            var sharedDrive: String?
            if let comma = name.firstIndex(of: ","), name[comma...].hasPrefix(Self.sharedDriveParameter) {
                sharedDrive = String(name[comma...].dropFirst(Self.sharedDriveParameter.count))
                name = String(name[..<comma])
            }
            if name == "drive" || accounts.contains(name) {
                if sharedDrive?.isEmpty == true {
                    throw Invalid(
                        code: .invalidSharedDrive,
                        description:
                            "no shared drive after shared_drive= in '\(text)'; write \(name),shared_drive=NAME:PATH"
                    )
                }
                do {
                    self = .drive(
                        account: name == "drive" ? nil : name,
                        path: try RemotePath(rest),
                        sharedDrive: sharedDrive
                    )
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

    private static let sharedDriveParameter = ",shared_drive="

    public var description: String {
        switch self {
        case .drive(let account, let path, let sharedDrive):
            "\(account ?? "drive")\(sharedDrive.map { Self.sharedDriveParameter + $0 } ?? ""):\(path)"
        case .local(let path): path
        }
    }

    /// The same place in shared drive `nameOrID` (`--shared-drive`); `nil` leaves it as it is.
    public func inSharedDrive(_ nameOrID: String?) throws(Invalid) -> Location {
        guard let nameOrID else { return self }
        switch self {
        case .drive(let account, let path, _):
            guard !nameOrID.isEmpty, !nameOrID.contains(":") else {
                throw Invalid(
                    code: .invalidSharedDrive,
                    description: "'\(nameOrID)' cannot name a shared drive in a location; use the shared drive's ID"
                )
            }
            return .drive(account: account, path: path, sharedDrive: nameOrID)
        case .local(let path):
            throw Invalid(
                code: .invalidSharedDrive,
                description: "\(path) is a local folder, not Drive; --shared-drive needs a drive: destination"
            )
        }
    }

    public var isDrive: Bool { if case .drive = self { true } else { false } }
}
