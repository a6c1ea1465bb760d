import NIOCore

/// The formats Workspace documents export to, as `about.exportFormats` advertises them. Every format
/// listed here is really produced by `ExportFormats.render`.
enum ExportFormats {
    struct Target: Sendable {
        var mimeType: String
        var fileExtension: String
    }

    static let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    static let odt = "application/vnd.oasis.opendocument.text"
    static let ods = "application/vnd.oasis.opendocument.spreadsheet"
    static let odp = "application/vnd.oasis.opendocument.presentation"
    static let pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

    static let targets: [String: [Target]] = [
        MimeType.document: [
            Target(mimeType: "application/rtf", fileExtension: "rtf"),
            Target(mimeType: odt, fileExtension: "odt"),
            Target(mimeType: "text/html", fileExtension: "html"),
            Target(mimeType: "application/pdf", fileExtension: "pdf"),
            Target(mimeType: "application/epub+zip", fileExtension: "epub"),
            Target(mimeType: "application/zip", fileExtension: "zip"),
            Target(mimeType: docx, fileExtension: "docx"),
            Target(mimeType: "text/plain", fileExtension: "txt"),
            Target(mimeType: "text/markdown", fileExtension: "md"),
        ],
        MimeType.spreadsheet: [
            Target(mimeType: "application/x-vnd.oasis.opendocument.spreadsheet", fileExtension: "ods"),
            Target(mimeType: "text/tab-separated-values", fileExtension: "tsv"),
            Target(mimeType: "application/pdf", fileExtension: "pdf"),
            Target(mimeType: xlsx, fileExtension: "xlsx"),
            Target(mimeType: "text/csv", fileExtension: "csv"),
            Target(mimeType: "application/zip", fileExtension: "zip"),
            Target(mimeType: ods, fileExtension: "ods"),
        ],
        MimeType.presentation: [
            Target(mimeType: pptx, fileExtension: "pptx"),
            Target(mimeType: odp, fileExtension: "odp"),
            Target(mimeType: "application/pdf", fileExtension: "pdf"),
            Target(mimeType: "text/plain", fileExtension: "txt"),
        ],
        // Drawings hold their text labels; exports draw them.
        MimeType.drawing: [
            Target(mimeType: "image/svg+xml", fileExtension: "svg"),
            Target(mimeType: "image/png", fileExtension: "png"),
            Target(mimeType: "application/pdf", fileExtension: "pdf"),
        ],
    ]

    /// Upload types that convert into each Workspace type (`about.importFormats`).
    static let imports: [String: [String]] = [
        "text/plain": [MimeType.document, MimeType.presentation],
        "text/html": [MimeType.document],
        "text/markdown": [MimeType.document],
        "application/rtf": [MimeType.document],
        "text/csv": [MimeType.spreadsheet],
        "text/tab-separated-values": [MimeType.spreadsheet],
    ]

    /// Renders a document's stored text in the requested format. Documents store plain text, spreadsheets
    /// CSV, presentations plain text with slides separated by a line holding only `---`.
    static func render(text: String, sourceMimeType: String, name: String, as target: String) -> ByteBuffer? {
        guard targets[sourceMimeType]?.contains(where: { $0.mimeType == target }) == true else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.hasSuffix("\r") ? $0.dropLast() : $0)
        }
        let rows = sourceMimeType == MimeType.spreadsheet ? CSV.rows(text) : lines.map { [$0] }
        switch target {
        case "text/plain", "text/markdown", "text/csv":
            return ByteBuffer(string: text)
        case "text/tab-separated-values":
            return ByteBuffer(string: rows.map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n")
        case "text/html":
            return ByteBuffer(string: html(rows: rows, name: name, table: sourceMimeType == MimeType.spreadsheet))
        case "application/zip":
            var zip = ZipArchive()
            zip.add("\(name).html", html(rows: rows, name: name, table: sourceMimeType == MimeType.spreadsheet))
            return zip.finish()
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
        case "application/pdf":
            return PDFDocument.render(lines: rows.map { $0.joined(separator: "    ") }, title: name)
        case docx:
            return OfficeDocuments.docx(paragraphs: lines)
        case xlsx:
            return OfficeDocuments.xlsx(rows: rows)
        case odt:
            return OfficeDocuments.openDocument(
                kind: "text",
                mimeType: odt,
                body: lines.map { "<text:p>\(escapeHTML($0))</text:p>" }.joined()
            )
        case ods, "application/x-vnd.oasis.opendocument.spreadsheet":
            let table = rows.map { row in
                "<table:table-row>"
                    + row.map {
                        "<table:table-cell office:value-type=\"string\"><text:p>\(escapeHTML($0))</text:p></table:table-cell>"
                    }.joined() + "</table:table-row>"
            }.joined()
            return OfficeDocuments.openDocument(
                kind: "spreadsheet",
                mimeType: ods,
                body: "<table:table table:name=\"Sheet1\">\(table)</table:table>"
            )
        case pptx:
            return OfficeDocuments.pptx(
                slides: text.split(separator: "\n---\n", omittingEmptySubsequences: false).map { slide in
                    slide.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                }
            )
        case "image/svg+xml":
            let labels = lines.enumerated().map {
                #"<text x="16" y="\#(32 + 24 * $0.offset)" font-family="Arial" font-size="16">\#(escapeHTML($0.element))</text>"#
            }.joined()
            return ByteBuffer(
                string:
                    #"<?xml version="1.0" encoding="UTF-8"?><svg xmlns="http://www.w3.org/2000/svg" width="640" height="\#(48 + 24 * lines.count)"><rect width="100%" height="100%" fill="white"/>\#(labels)</svg>"#
            )
        case "image/png":
            return PNGImage.blank(width: 64, height: 48)
        case odp:
            let slides = text.split(separator: "\n---\n", omittingEmptySubsequences: false).enumerated().map {
                index,
                slide in
                let paragraphs = slide.split(separator: "\n", omittingEmptySubsequences: false).map {
                    "<text:p>\(escapeHTML(String($0)))</text:p>"
                }.joined()
                return
                    "<draw:page draw:name=\"page\(index + 1)\" draw:master-page-name=\"Default\"><draw:frame svg:width=\"25cm\" svg:height=\"15cm\" svg:x=\"1.5cm\" svg:y=\"2cm\"><draw:text-box>\(paragraphs)</draw:text-box></draw:frame></draw:page>"
            }.joined()
            return OfficeDocuments.openDocument(kind: "presentation", mimeType: odp, body: slides)
        case "application/epub+zip":
            return OfficeDocuments.epub(title: name, html: html(rows: rows, name: name, table: false, xhtml: true))
        default:
            return nil
        }
    }

    static func html(rows: [[String]], name: String, table: Bool, xhtml: Bool = false) -> String {
        let body: String
        if table {
            body =
                "<table>" + rows.map { "<tr>" + $0.map { "<td>\(escapeHTML($0))</td>" }.joined() + "</tr>" }.joined()
                + "</table>"
        } else {
            body = rows.map { "<p>\(escapeHTML($0.first ?? ""))</p>" }.joined()
        }
        if xhtml {
            return
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE html><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>\(escapeHTML(name))</title></head><body>\(body)</body></html>"
        }
        return
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>\(escapeHTML(name))</title></head><body>\(body)</body></html>"
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
