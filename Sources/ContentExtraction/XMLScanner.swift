/// XML read as a stream of start tags, end tags and text, fed a piece at a time so a document of any size
/// takes bounded memory. Entities are the predefined and numeric ones only: a DTD is skipped, never expanded
/// (no "billion laughs"). Tags must nest; a document that ends inside an element is `corrupt`.
struct XMLScanner {
    enum Event {
        /// `name` is the local name (`w:t` is `t`).
        case start(name: Substring, attributes: Attributes)
        case end(name: Substring)
        case text(String)
    }

    /// The longest tag, comment or CDATA section taken whole.
    static let tagLimit = 1 << 20

    private var buffer: [UInt8] = []
    private var inMarkup = false
    private var quote: UInt8?
    private var open: [Substring] = []
    let nesting: Int

    init(nesting: Int) {
        self.nesting = nesting
    }

    mutating func feed(
        _ bytes: some Sequence<UInt8>,
        _ handle: (Event) throws(ExtractionFailure) -> Void
    ) throws(ExtractionFailure) {
        let input = Array(bytes)
        var index = 0
        while index < input.count {
            if inMarkup {
                let byte = input[index]
                index += 1
                buffer.append(byte)
                guard markupEnds(at: byte) else {
                    if buffer.count > Self.tagLimit {
                        throw ExtractionFailure(.corrupt, "XML markup longer than \(Self.tagLimit) bytes")
                    }
                    continue
                }
                inMarkup = false
                let markup = buffer
                buffer.removeAll(keepingCapacity: true)
                try self.markup(markup.dropFirst().dropLast(), handle)
            } else {
                // Text up to the next tag, taken in one piece.
                let start = index
                while index < input.count, input[index] != UInt8(ascii: "<") { index += 1 }
                buffer.append(contentsOf: input[start..<index])
                if index < input.count {
                    try flushText(handle)
                    inMarkup = true
                    buffer.append(UInt8(ascii: "<"))
                    index += 1
                } else if buffer.count >= 1 << 16, let space = buffer.lastIndex(where: { $0 == 32 || $0 == 10 }) {
                    // Long text goes on in pieces, cut between words so no character or entity is split.
                    let rest = Array(buffer[(space + 1)...])
                    buffer.removeSubrange((space + 1)...)
                    try flushText(handle)
                    buffer = rest
                }
            }
        }
    }

    mutating func finish(_ handle: (Event) throws(ExtractionFailure) -> Void) throws(ExtractionFailure) {
        if inMarkup { throw ExtractionFailure(.corrupt, "the XML ends inside a tag") }
        try flushText(handle)
        if let last = open.last { throw ExtractionFailure(.corrupt, "the XML ends inside <\(last)>") }
    }

    private mutating func markupEnds(at byte: UInt8) -> Bool {
        if let quote {
            if byte == quote { self.quote = nil }
            return false
        }
        guard byte == UInt8(ascii: ">") else {
            // Quotes matter in tags only, not in comments or CDATA.
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'"), buffer.count > 1,
                buffer[1] != UInt8(ascii: "!"), buffer[1] != UInt8(ascii: "?")
            {
                quote = byte
            }
            return false
        }
        if buffer.starts(with: Array("<!--".utf8)) {
            return buffer.count >= 7 && buffer.suffix(3).elementsEqual("-->".utf8)
        }
        if buffer.starts(with: Array("<![CDATA[".utf8)) {
            return buffer.count >= 12 && buffer.suffix(3).elementsEqual("]]>".utf8)
        }
        if buffer.starts(with: Array("<!DOCTYPE".utf8)) {
            // An internal subset holds `>` of its own: the doctype ends after its `]`, if it has one.
            let opens = buffer.count { $0 == UInt8(ascii: "[") }
            return opens == buffer.count { $0 == UInt8(ascii: "]") }
        }
        return true
    }

    private mutating func flushText(_ handle: (Event) throws(ExtractionFailure) -> Void) throws(ExtractionFailure) {
        guard !buffer.isEmpty else { return }
        let text = String(decoding: buffer, as: UTF8.self)
        buffer.removeAll(keepingCapacity: true)
        guard !open.isEmpty else { return }  // white space around the root element
        try handle(.text(HTMLText.decodingEntities(Substring(text))))
    }

    private mutating func markup(
        _ body: ArraySlice<UInt8>,
        _ handle: (Event) throws(ExtractionFailure) -> Void
    ) throws(ExtractionFailure) {
        guard let first = body.first else { throw ExtractionFailure(.corrupt, "an empty XML tag") }
        switch first {
        case UInt8(ascii: "?"):
            return
        case UInt8(ascii: "!"):
            if body.starts(with: Array("![CDATA[".utf8)) {
                let text = body.dropFirst(8).dropLast(2)
                if !open.isEmpty { try handle(.text(String(decoding: text, as: UTF8.self))) }
            }
        case UInt8(ascii: "/"):
            let name = Self.localName(
                Substring(String(decoding: body.dropFirst(), as: UTF8.self)).prefix { !$0.isWhitespace }
            )
            guard let last = open.popLast(), last == name else {
                throw ExtractionFailure(.corrupt, "the XML closes <\(name)> where it has not opened it")
            }
            try handle(.end(name: name))
        default:
            let selfClosing = body.last == UInt8(ascii: "/")
            let tag = Substring(String(decoding: selfClosing ? body.dropLast() : body, as: UTF8.self))
            let qualified = tag.prefix { !$0.isWhitespace }
            guard !qualified.isEmpty else { throw ExtractionFailure(.corrupt, "an XML tag without a name") }
            let name = Self.localName(qualified)
            open.append(name)
            guard open.count <= nesting else {
                throw ExtractionFailure(.tooLarge, "XML nested more than \(nesting) elements deep")
            }
            try handle(.start(name: name, attributes: Attributes(text: tag.dropFirst(qualified.count))))
            if selfClosing {
                open.removeLast()
                try handle(.end(name: name))
            }
        }
    }

    static func localName(_ qualified: Substring) -> Substring {
        qualified.lastIndex(of: ":").map { qualified[qualified.index(after: $0)...] } ?? qualified
    }

    /// A start tag's `name="value"` pairs (either quote), read only when asked for: most tags' attributes are
    /// never needed.
    struct Attributes {
        let text: Substring

        /// The value of `name` (as written, prefix included), entities decoded.
        subscript(_ name: String) -> String? {
            var rest = text
            while let equals = rest.firstIndex(of: "=") {
                let key = rest[..<equals].trimmingWhitespace
                let afterEquals = rest[rest.index(after: equals)...].drop { $0.isWhitespace }
                guard let quote = afterEquals.first, quote == "\"" || quote == "'" else { return nil }
                let value = afterEquals.dropFirst()
                let end = value.firstIndex(of: quote) ?? value.endIndex
                if key == name { return HTMLText.decodingEntities(value[..<end]) }
                rest = end < value.endIndex ? value[value.index(after: end)...] : ""
            }
            return nil
        }
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return self[first...last]
    }
}
