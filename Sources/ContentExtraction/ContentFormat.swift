/// The formats text is extracted from, known by MIME type or, when a file's type says nothing
/// (`application/octet-stream`), by its name's extension.
public enum ContentFormat: String, Sendable, Hashable, CaseIterable, Codable {
    case plainText = "text"
    case markdown
    case html
    case csv
    case tsv
    case json
    case xml
    case rtf
    case docx
    case xlsx
    case pptx
    case odt
    case ods
    case odp
    case epub
    case pdf

    public init?(mimeType: String, name: String) {
        let type = mimeType.split(separator: ";").first.map { $0.trimmingWhitespace.lowercased() } ?? ""
        if let format = Self.byType[type] {
            self = format
        } else if let dot = name.lastIndex(of: "."),
            let format = Self.byExtension[name[dot...].dropFirst().lowercased()]
        {
            self = format
        } else if type.hasPrefix("text/") {
            self = .plainText
        } else {
            return nil
        }
    }

    /// Formats packed in a ZIP archive, read through random access.
    public var isArchive: Bool {
        switch self {
        case .docx, .xlsx, .pptx, .odt, .ods, .odp, .epub: true
        default: false
        }
    }

    private static let byType: [String: ContentFormat] = [
        "text/plain": .plainText, "text/markdown": .markdown, "text/x-markdown": .markdown, "text/html": .html,
        "application/xhtml+xml": .html, "text/csv": .csv, "text/tab-separated-values": .tsv,
        "application/json": .json, "application/xml": .xml, "text/xml": .xml, "application/rtf": .rtf,
        "text/rtf": .rtf,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": .docx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": .xlsx,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": .pptx,
        "application/vnd.oasis.opendocument.text": .odt, "application/vnd.oasis.opendocument.spreadsheet": .ods,
        "application/vnd.oasis.opendocument.presentation": .odp, "application/epub+zip": .epub,
        "application/pdf": .pdf,
    ]

    private static let byExtension: [String: ContentFormat] = [
        "txt": .plainText, "text": .plainText, "log": .plainText, "md": .markdown, "markdown": .markdown,
        "html": .html, "htm": .html, "xhtml": .html, "csv": .csv, "tsv": .tsv, "tab": .tsv, "json": .json,
        "xml": .xml, "rtf": .rtf, "docx": .docx, "xlsx": .xlsx, "pptx": .pptx, "odt": .odt, "ods": .ods,
        "odp": .odp, "epub": .epub, "pdf": .pdf,
    ]
}

/// A file's text, cut at the limit when it had more.
public struct ExtractedText: Sendable, Hashable {
    public var text: String
    /// Whether text past `ExtractionLimits.textBytes` was left out.
    public var truncated: Bool

    public init(text: String, truncated: Bool) {
        self.text = text
        self.truncated = truncated
    }
}
