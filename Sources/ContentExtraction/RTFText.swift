/// The text of an RTF document: control words read for their text (`\par`, `\tab`, `\u8364?`, `\'e9`),
/// destinations that hold no text (font and colour tables, pictures, `\*` groups) left out.
enum RTFText {
    static func text(_ source: String, limits: ExtractionLimits) throws(ExtractionFailure) -> String {
        guard source.hasPrefix("{\\rtf") else { throw ExtractionFailure(.corrupt, "an RTF file starts with {\\rtf") }
        var output = LineCollector(limit: limits.textBytes)
        var scalars = Array(source.unicodeScalars)[...]
        var group = Group()
        var outer: [Group] = []
        var fallbackToSkip = 0
        func emit(_ text: String) {
            guard !group.skipped else { return }
            if fallbackToSkip > 0 {
                fallbackToSkip -= 1
                return
            }
            output.append(text)
        }
        while let scalar = scalars.popFirst(), !output.isFull {
            switch scalar {
            case "{":
                outer.append(group)
                guard outer.count <= limits.nesting else {
                    throw ExtractionFailure(.tooLarge, "RTF groups nested more than \(limits.nesting) deep")
                }
            case "}":
                guard let enclosing = outer.popLast() else {
                    throw ExtractionFailure(.corrupt, "the RTF closes a group it has not opened")
                }
                group = enclosing
            case "\\":
                guard let next = scalars.popFirst() else { break }
                switch next {
                case "a"..."z", "A"..."Z":
                    var word = String(next)
                    while let letter = scalars.first, ("a"..."z").contains(letter) || ("A"..."Z").contains(letter) {
                        word.unicodeScalars.append(scalars.removeFirst())
                    }
                    var digits = ""
                    if scalars.first == "-" { digits.unicodeScalars.append(scalars.removeFirst()) }
                    while let digit = scalars.first, ("0"..."9").contains(digit) {
                        digits.unicodeScalars.append(scalars.removeFirst())
                    }
                    if scalars.first == " " { scalars.removeFirst() }
                    let parameter = Int(digits)
                    switch word {
                    case "par", "line", "sect", "page", "row":
                        if !group.skipped { output.breakLine() }
                    case "tab", "cell": emit(" ")
                    case "u":
                        if let parameter, !group.skipped {
                            let value = UInt32(truncatingIfNeeded: parameter < 0 ? parameter + 65536 : parameter)
                            output.append(String(Unicode.Scalar(value) ?? "\u{FFFD}"))
                            fallbackToSkip = group.fallbackLength
                        }
                    case "uc": group.fallbackLength = parameter ?? 1
                    case "emdash": emit("\u{2014}")
                    case "endash": emit("\u{2013}")
                    case "bullet": emit("\u{2022}")
                    case "lquote": emit("\u{2018}")
                    case "rquote": emit("\u{2019}")
                    case "ldblquote": emit("\u{201C}")
                    case "rdblquote": emit("\u{201D}")
                    default:
                        if Self.destinationsWithoutText.contains(word) { group.skipped = true }
                    }
                case "'":
                    let hex = String(String.UnicodeScalarView(scalars.prefix(2)))
                    scalars = scalars.dropFirst(2)
                    if let byte = UInt8(hex, radix: 16) { emit(TextDecoding.decode([byte], as: .windows1252)) }
                case "*": group.skipped = true
                case "~": emit(" ")
                case "_": emit("-")
                case "\n", "\r": if !group.skipped { output.breakLine() }
                case "-": break
                default: emit(String(next))
                }
            case "\n", "\r":
                continue
            default:
                emit(String(scalar))
            }
        }
        if !output.isFull, !outer.isEmpty { throw ExtractionFailure(.corrupt, "the RTF ends inside a group") }
        return output.text
    }

    private struct Group {
        var skipped = false
        /// Characters after `\u` standing in for it in older readers (`\uc`).
        var fallbackLength = 1
    }

    private static let destinationsWithoutText: Set<String> = [
        "fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "listtable", "listoverridetable", "rsidtbl",
        "generator", "xmlnstbl", "themedata", "colorschememapping", "latentstyles", "datastore", "fldinst",
        "filetbl", "revtbl", "header", "footer", "headerl", "headerr", "footerl", "footerr",
    ]
}
