public import DriveSyncCore
import Foundation

/// A format documents are exported to, named by its file extension as `--export-formats` names it.
public struct ExportFormat: Hashable, Sendable {
    public var fileExtension: String
    public var mimeType: String

    public init(fileExtension: String, mimeType: String) {
        self.fileExtension = fileExtension
        self.mimeType = mimeType
    }

    /// Office formats first, and SVG for Drawings: what rclone users expect and what opens anywhere.
    public static let defaultPreferences = ["docx", "xlsx", "pptx", "svg"]

    /// Extensions `--export-formats` takes, with the MIME type Drive exports them as.
    public static let known: [String: String] = [
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text",
        "ods": "application/vnd.oasis.opendocument.spreadsheet",
        "odp": "application/vnd.oasis.opendocument.presentation",
        "pdf": "application/pdf",
        "rtf": "application/rtf",
        "txt": "text/plain",
        "md": "text/markdown",
        "html": "text/html",
        "epub": "application/epub+zip",
        "zip": "application/zip",
        "csv": "text/csv",
        "tsv": "text/tab-separated-values",
        "svg": "image/svg+xml",
        "png": "image/png",
        "jpg": "image/jpeg",
        "json": "application/vnd.google-apps.script+json",
    ]

    public struct Unknown: UserFacingError {
        public var exitStatus: ExitStatus { .usage }
        public var name: String
        public var description: String {
            "unknown export format '\(name)'; use some of \(ExportFormat.known.keys.sorted().joined(separator: ", "))"
        }
    }

    /// Parses `docx,xlsx,pdf` (a leading dot and spaces are allowed).
    public static func preferences(parsing text: String) throws(Unknown) -> [String] {
        var result: [String] = []
        for part in text.split(separator: ",") {
            var name = part.trimmingCharacters(in: .whitespaces).lowercased()
            if name.hasPrefix(".") { name.removeFirst() }
            if name == "jpeg" { name = "jpg" }
            guard known[name] != nil else { throw Unknown(name: name) }
            result.append(name)
        }
        return result
    }

    /// For each document type, the first preferred format it can be exported to.
    public static func choose(_ preferences: [String], available: [String: [String]]) -> [String: ExportFormat] {
        var chosen: [String: ExportFormat] = [:]
        for (type, formats) in available {
            for name in preferences {
                if let mimeType = known[name], formats.contains(mimeType) {
                    chosen[type] = ExportFormat(fileExtension: name, mimeType: mimeType)
                    break
                }
            }
        }
        return chosen
    }
}
