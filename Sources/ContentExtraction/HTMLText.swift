/// The readable text of an HTML document: tags dropped, `script`, `style`, `template` and comments left out,
/// entities decoded, a line break where a block ends, runs of spaces made one.
public enum HTMLText {
    /// The charset a document declares in its first kilobyte (`<meta charset>` or `http-equiv`), if any.
    public static func declaredCharset(_ head: some Collection<UInt8>) -> TextDecoding.Charset? {
        let text = String(decoding: Array(head.prefix(1024)), as: UTF8.self).lowercased()
        guard let range = text.firstRange(of: "charset=") else { return nil }
        let label = text[range.upperBound...].drop { $0 == "\"" || $0 == "'" }
            .prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return TextDecoding.Charset(label: label)
    }

    public static func text(_ html: String) -> String {
        var output = LineCollector()
        var scalars = Substring(html)
        while let open = scalars.firstIndex(of: "<") {
            output.append(decodingEntities(scalars[..<open]))
            scalars = scalars[open...]
            if scalars.hasPrefix("<!--") {
                scalars = scalars.firstRange(of: "-->").map { scalars[$0.upperBound...] } ?? ""
                continue
            }
            guard let close = scalars.firstIndex(of: ">") else {
                scalars = ""
                break
            }
            let tag = scalars[scalars.index(after: open)..<close]
            scalars = scalars[scalars.index(after: close)...]
            let name = String(tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }).lowercased()
            if !tag.hasPrefix("/"), Self.skipped.contains(name) {
                // Everything up to the matching end tag is code, not text.
                scalars = endTag(name, in: scalars).map { scalars[$0...].drop { $0 != ">" }.dropFirst() } ?? ""
                continue
            }
            // Inline tags join their text as a browser does (`<b>G</b>m` reads "Gm").
            if Self.blocks.contains(name) { output.breakLine() }
        }
        output.append(decodingEntities(scalars))
        return output.text
    }

    /// Where `</name` (in any case) starts in `text`.
    private static func endTag(_ name: String, in text: Substring) -> Substring.Index? {
        var rest = text
        while let found = rest.firstRange(of: "</") {
            let after = rest[found.upperBound...]
            if after.prefix(name.count).lowercased() == name { return found.lowerBound }
            rest = after
        }
        return nil
    }

    private static let skipped: Set<String> = ["script", "style", "template", "noscript", "svg", "head"]
    private static let blocks: Set<String> = [
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "td", "th", "title", "tr", "ul",
    ]

    /// `&amp;`, `&#233;`, `&#xE9;` and the common named entities decoded; an unknown one kept as written.
    public static func decodingEntities(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var result = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            rest = rest[amp...]
            let body = rest.dropFirst().prefix(12).prefix { $0 != ";" && $0 != "&" && !$0.isWhitespace }
            let end = rest.index(rest.startIndex, offsetBy: body.count + 1)
            guard end < rest.endIndex, rest[end] == ";", let decoded = entity(body) else {
                result.append("&")
                rest = rest.dropFirst()
                continue
            }
            result.append(decoded)
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    private static func entity(_ body: Substring) -> Character? {
        if body.hasPrefix("#x") || body.hasPrefix("#X") {
            return UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map(Character.init)
        }
        if body.hasPrefix("#") { return UInt32(body.dropFirst()).flatMap(Unicode.Scalar.init).map(Character.init) }
        return named[String(body)]
    }

    private static let named: [String: Character] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©", "reg": "®",
        "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“",
        "rdquo": "”", "euro": "€", "pound": "£", "eacute": "é", "egrave": "è", "agrave": "à", "ccedil": "ç",
        "uuml": "ü", "ouml": "ö", "auml": "ä", "szlig": "ß", "deg": "°", "middot": "·", "bull": "•",
    ]
}

/// Text gathered line by line: any run of white space (a line break in the source too) one space, lines
/// broken only when told, empty lines left out; at most `limit` UTF-8 bytes kept, the rest dropped.
struct LineCollector {
    private(set) var lines: [String] = []
    private var current = ""
    private var currentBytes = 0
    private var lastIsSpace = false
    private var keptBytes = 0
    let limit: Int
    /// Whether text was dropped for the limit: whoever fills it may stop reading.
    private(set) var isFull = false

    init(limit: Int = .max) {
        self.limit = limit
    }

    mutating func append(_ text: some StringProtocol) {
        guard !isFull else { return }
        // By scalar, not by character: grapheme breaking would cost more than everything else here.
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !current.isEmpty, !lastIsSpace {
                    current.unicodeScalars.append(" ")
                    currentBytes += 1
                    lastIsSpace = true
                }
            } else {
                current.unicodeScalars.append(scalar)
                currentBytes += UTF8.width(scalar)
                lastIsSpace = false
            }
            if keptBytes + currentBytes > limit {
                isFull = true
                break
            }
        }
    }

    mutating func breakLine() {
        // In place: a long line is not copied to drop its trailing space.
        if lastIsSpace { current.unicodeScalars.removeLast() }
        var line = current
        current = ""
        currentBytes = 0
        lastIsSpace = false
        while keptBytes + line.utf8.count + 1 > limit, !line.isEmpty {
            isFull = true
            line.unicodeScalars.removeLast()
        }
        guard !line.isEmpty else { return }
        keptBytes += line.utf8.count + 1
        lines.append(line)
    }

    /// The lines joined; the collector is finished (what is pending becomes the last line).
    var text: String {
        mutating get {
            breakLine()
            return lines.count == 1 ? lines[0] : lines.joined(separator: "\n")
        }
    }
}
