import NIOCore

/// The formats Workspace documents export to, as `about.exportFormats` advertises them. Every format
/// listed here is really produced by `ExportFormats.render`.
enum ExportFormats {
    struct Target: Sendable {
        var mimeType: String
        var fileExtension: String
    }

    static let targets: [String: [Target]] = [
        MimeType.document: [
            Target(mimeType: "text/plain", fileExtension: "txt"),
            Target(mimeType: "text/html", fileExtension: "html"),
            Target(mimeType: "application/rtf", fileExtension: "rtf"),
            Target(mimeType: "text/markdown", fileExtension: "md"),
        ],
        MimeType.spreadsheet: [
            Target(mimeType: "text/csv", fileExtension: "csv"),
            Target(mimeType: "text/tab-separated-values", fileExtension: "tsv"),
        ],
        MimeType.presentation: [
            Target(mimeType: "text/plain", fileExtension: "txt")
        ],
    ]

    /// Upload types that convert into each Workspace type (`about.importFormats`).
    static let imports: [String: [String]] = [
        "text/plain": [MimeType.document],
        "text/html": [MimeType.document],
        "text/markdown": [MimeType.document],
        "application/rtf": [MimeType.document],
        "text/csv": [MimeType.spreadsheet],
        "text/tab-separated-values": [MimeType.spreadsheet],
    ]

    /// Renders a document's stored text (plain text; CSV for spreadsheets) in the requested format.
    static func render(text: String, sourceMimeType: String, name: String, as target: String) -> ByteBuffer? {
        guard targets[sourceMimeType]?.contains(where: { $0.mimeType == target }) == true else { return nil }
        switch target {
        case "text/plain", "text/markdown", "text/csv":
            return ByteBuffer(string: text)
        case "text/tab-separated-values":
            return ByteBuffer(string: CSV.rows(text).map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n")
        case "text/html":
            let paragraphs = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { "<p>\(escapeHTML(String($0)))</p>" }.joined()
            return ByteBuffer(string: "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>\(escapeHTML(name))</title></head><body>\(paragraphs)</body></html>")
        case "application/rtf":
            var body = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\\", "{", "}": body += "\\" + String(scalar)
                case "\n": body += "\\par\n"
                default: body += scalar.isASCII ? String(scalar) : "\\u\(Int16(truncatingIfNeeded: Int(scalar.value)))?"
                }
            }
            return ByteBuffer(string: "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0\\fs22 \(body)}")
        default:
            return nil
        }
    }

    static func escapeHTML(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}

/// Minimal RFC 4180 CSV reading, for spreadsheet exports.
enum CSV {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text).makeIterator()
        var lookahead: Character? = iterator.next()
        while let character = lookahead {
            lookahead = iterator.next()
            if quoted {
                if character == "\"" {
                    if lookahead == "\"" {
                        field.append("\"")
                        lookahead = iterator.next()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
