/// The text of ZIP-based documents: Office Open XML (docx, xlsx, pptx), OpenDocument (odt, ods, odp) and
/// EPUB. Each reads only the parts holding text, streamed through `XMLScanner`.
enum ArchiveText {
    static func text(_ zip: inout ZipReader, format: ContentFormat, into output: inout LineCollector) async throws {
        switch format {
        case .docx:
            for part in ["word/document.xml", "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"] {
                try await collect(part, required: part == "word/document.xml", rules: .wordprocessing, &zip, &output)
            }
        case .pptx:
            for part in numbered(zip, "ppt/slides/slide") + numbered(zip, "ppt/notesSlides/notesSlide") {
                try await collect(part, required: true, rules: .presentation, &zip, &output)
            }
        case .xlsx:
            try await spreadsheet(&zip, &output)
        case .odt, .odp:
            try await collect("content.xml", required: true, rules: .openDocument, &zip, &output)
        case .ods:
            try await collect("content.xml", required: true, rules: .openSpreadsheet, &zip, &output)
        case .epub:
            try await epub(&zip, &output)
        default:
            throw ExtractionFailure(.unsupported, "\(format.rawValue) is not a ZIP-based format")
        }
    }

    /// What counts as text in a part's XML, by local element name.
    struct Rules {
        /// Elements whose text counts; nil: all text.
        var textElements: Set<Substring>?
        /// Elements ending a line.
        var lineBreaks: Set<Substring>
        /// Elements standing for a space (or separating cells).
        var spaces: Set<Substring>

        static let wordprocessing = Rules(
            textElements: ["t"],
            lineBreaks: ["p", "br", "cr", "tr"],
            spaces: ["tab", "tc", "noBreakHyphen"]
        )
        static let presentation = Rules(textElements: ["t"], lineBreaks: ["p", "br"], spaces: ["tab"])
        static let openDocument = Rules(
            textElements: nil,
            lineBreaks: ["p", "h", "table-row", "line-break", "list-item"],
            spaces: ["tab", "s", "table-cell"]
        )
        /// A sheet's row is a line; the paragraphs in its cells are not.
        static let openSpreadsheet = Rules(
            textElements: nil,
            lineBreaks: ["table-row"],
            spaces: ["tab", "s", "table-cell", "p", "line-break"]
        )
    }

    /// Entries named `prefix<number>.xml`, in number order (slide10 after slide9).
    private static func numbered(_ zip: ZipReader, _ prefix: String) -> [String] {
        zip.entries.compactMap { entry -> (Int, String)? in
            guard entry.name.hasPrefix(prefix), entry.name.hasSuffix(".xml"),
                let number = Int(entry.name.dropFirst(prefix.count).dropLast(4))
            else { return nil }
            return (number, entry.name)
        }
        .sorted { $0.0 < $1.0 }.map(\.1)
    }

    private static func collect(
        _ part: String,
        required: Bool,
        rules: Rules,
        _ zip: inout ZipReader,
        _ output: inout LineCollector
    ) async throws {
        guard let entry = zip.entry(part) else {
            if required { throw ExtractionFailure(.corrupt, "the document has no \(part)") }
            return
        }
        var inText = 0
        try await scan(entry, &zip, &output) { event, output in
            switch event {
            case .start(let name, _):
                if rules.textElements?.contains(name) ?? false { inText += 1 }
            case .end(let name):
                if rules.textElements?.contains(name) ?? false { inText -= 1 }
                if rules.lineBreaks.contains(name) { output.breakLine() }
                if rules.spaces.contains(name) { output.append(" ") }
            case .text(let text):
                if rules.textElements == nil || inText > 0 { output.append(text) }
            }
        }
        output.breakLine()
    }

    /// Streams `entry` through an `XMLScanner`, stopping once `output` is full.
    private static func scan(
        _ entry: ZipReader.Entry,
        _ zip: inout ZipReader,
        _ output: inout LineCollector,
        _ handle: (XMLScanner.Event, inout LineCollector) -> Void
    ) async throws {
        var scanner = XMLScanner(nesting: zip.limits.nesting)
        do {
            try await zip.read(entry) { (piece) throws(ExtractionFailure) in
                try scanner.feed(piece) { handle($0, &output) }
                if output.isFull { throw ExtractionFailure.full }
            }
            try scanner.finish { handle($0, &output) }
        } catch let failure as ExtractionFailure where failure == .full {
            return
        }
    }

    private static func spreadsheet(_ zip: inout ZipReader, _ output: inout LineCollector) async throws {
        var shared: [String] = []
        if let entry = zip.entry("xl/sharedStrings.xml") {
            var item = LineCollector(limit: zip.limits.textBytes)
            var inText = 0
            var inPhonetic = 0
            var sharedBytes = 0
            try await scan(entry, &zip, &item) { event, item in
                switch event {
                case .start("t", _): inText += 1
                case .end("t"): inText -= 1
                // Phonetic guides (furigana) repeat the text in another script.
                case .start("rPh", _): inPhonetic += 1
                case .end("rPh"): inPhonetic -= 1
                case .end("si"):
                    let text = item.text
                    sharedBytes += text.utf8.count
                    // The strings table cannot hold more text than the output keeps.
                    if sharedBytes <= item.limit { shared.append(text) }
                    item = LineCollector(limit: item.limit)
                case .text(let text): if inText > 0, inPhonetic == 0 { item.append(text) }
                default: break
                }
            }
        }
        for part in numbered(zip, "xl/worksheets/sheet") {
            guard let entry = zip.entry(part), !output.isFull else { break }
            var cellType: String?
            var value = ""
            var inValue = false
            var inInline = false
            try await scan(entry, &zip, &output) { event, output in
                switch event {
                case .start("c", let attributes):
                    cellType = attributes["t"]
                    value = ""
                case .start("v", _): inValue = true
                case .start("is", _): inInline = true
                case .end("v"): inValue = false
                case .end("is"): inInline = false
                case .end("c"):
                    if cellType == "s" {
                        if let index = Int(value), shared.indices.contains(index) { output.append(shared[index]) }
                    } else {
                        output.append(value)
                    }
                    output.append(" ")
                case .end("row"): output.breakLine()
                case .text(let text):
                    if inValue { value += text } else if inInline { output.append(text) }
                default: break
                }
            }
            output.breakLine()
        }
    }

    private static func epub(_ zip: inout ZipReader, _ output: inout LineCollector) async throws {
        guard let container = zip.entry("META-INF/container.xml") else {
            throw ExtractionFailure(.corrupt, "the EPUB has no META-INF/container.xml")
        }
        var packagePath: String?
        try await events(container, &zip) { event in
            if case .start("rootfile", let attributes) = event, packagePath == nil {
                packagePath = attributes["full-path"]
            }
        }
        guard let packagePath, let package = zip.entry(packagePath) else {
            throw ExtractionFailure(.corrupt, "the EPUB names no package document")
        }
        var manifest: [String: String] = [:]
        var spine: [String] = []
        try await events(package, &zip) { event in
            switch event {
            case .start("item", let attributes):
                if let id = attributes["id"], let href = attributes["href"] { manifest[id] = href }
            case .start("itemref", let attributes):
                if let id = attributes["idref"] { spine.append(id) }
            default: break
            }
        }
        let base = packagePath.split(separator: "/").dropLast().joined(separator: "/")
        for id in spine {
            guard let href = manifest[id], !output.isFull else { continue }
            let path = (base.isEmpty ? "" : base + "/") + percentDecoded(href.prefix { $0 != "#" })
            guard let entry = zip.entry(path) else { continue }
            for line in HTMLText.text(TextDecoding.text(try await zip.data(entry))).split(separator: "\n") {
                output.append(line)
                output.breakLine()
            }
        }
    }

    private static func events(
        _ entry: ZipReader.Entry,
        _ zip: inout ZipReader,
        _ handle: (XMLScanner.Event) -> Void
    ) async throws {
        var scanner = XMLScanner(nesting: zip.limits.nesting)
        try await zip.read(entry) { (piece) throws(ExtractionFailure) in try scanner.feed(piece, handle) }
        try scanner.finish(handle)
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var rest = text.utf8[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "%"), rest.count >= 2,
                let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                rest = rest.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ExtractionFailure {
    /// Not a failure: the text limit is reached, reading stops.
    static let full = ExtractionFailure(.init(name: "full"), "the text limit is reached")
}
