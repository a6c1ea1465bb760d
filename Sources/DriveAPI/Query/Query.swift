import DriveSyncCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Builds Drive `q` expressions with literals escaped correctly (backslashes, then quotes), so any
/// file name round-trips.
///
/// ```swift
/// let q: Query = .inParents(folderId) && .name(is: "it's \"x\" \\ y") && .notTrashed
/// ```
public struct Query: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(raw: String) { description = raw }

    public static func literal(_ value: String) -> String { QueryEncoding.driveQueryLiteral(value) }

    public static func inParents(_ id: String) -> Query { Query(raw: "\(literal(id)) in parents") }
    public static func name(is name: String) -> Query { Query(raw: "name = \(literal(name))") }
    public static func name(contains text: String) -> Query { Query(raw: "name contains \(literal(text))") }
    public static func mimeType(is mimeType: String) -> Query { Query(raw: "mimeType = \(literal(mimeType))") }
    public static let isFolder = mimeType(is: File.folderMimeType)
    public static let notTrashed = Query(raw: "trashed = false")
    public static let trashed = Query(raw: "trashed = true")
    public static func modified(after date: Date) -> Query {
        Query(raw: "modifiedTime > \(literal(DriveTimestamp.format(date)))")
    }
    public static func modified(before date: Date) -> Query {
        Query(raw: "modifiedTime < \(literal(DriveTimestamp.format(date)))")
    }
    public static func appProperty(_ key: String, is value: String) -> Query {
        Query(raw: "appProperties has { key=\(literal(key)) and value=\(literal(value)) }")
    }
    public static func fullText(contains text: String) -> Query { Query(raw: "fullText contains \(literal(text))") }

    public static func && (lhs: Query, rhs: Query) -> Query { Query(raw: "(\(lhs)) and (\(rhs))") }
    public static func || (lhs: Query, rhs: Query) -> Query { Query(raw: "(\(lhs)) or (\(rhs))") }
    public static prefix func ! (query: Query) -> Query { Query(raw: "not (\(query))") }

    /// Any of several parents, as rclone groups directory listings.
    public static func inAnyParent(_ ids: [String]) -> Query {
        Query(raw: ids.map { "\(literal($0)) in parents" }.joined(separator: " or "))
    }
}

/// A `fields` partial-response selector.
public struct Fields: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let description: String

    public init(_ selector: String) { description = selector }
    public init(stringLiteral value: String) { description = value }

    /// What a sync tool reads about a file.
    public static let syncFile: Fields =
        "id,name,mimeType,parents,size,md5Checksum,modifiedTime,createdTime,trashed,version,headRevisionId,appProperties,driveId,shortcutDetails,exportLinks"
    /// A changes page with the sync fields of each changed file.
    public static let changePage = Fields(
        "nextPageToken,newStartPageToken,changes(changeType,time,removed,fileId,driveId,file(\(syncFile)))"
    )
    public static let all: Fields = "*"
    /// Only the id: enough to learn that a call landed.
    public static let id: Fields = "id"
    /// The current revision, checked before a download resumes or a file is replaced.
    public static let headRevision: Fields = "headRevisionId"
    /// Where a file sits: what a retried create checks.
    public static let placement: Fields = "id,name,parents,trashed"
    public static let exportLinks: Fields = "exportLinks"
    /// `about`: who is signed in.
    public static let user: Fields = "user"
    /// `about`: the account, its storage and its upload limit.
    public static let account: Fields = "user,storageQuota,maxUploadSize"
    /// `about`: the export formats of each Google document type.
    public static let exportFormats: Fields = "exportFormats"

    /// Wraps a file selector for a list call: `nextPageToken,files(...)`.
    public func inFileList() -> Fields { Fields("nextPageToken,incompleteSearch,files(\(description))") }
}
