/// The text of JSON: string values, a line each; keys, numbers and structure left out.
public enum StructuredText {
    /// Throws `corrupt` for a string that never ends or an escape JSON does not have.
    public static func json(_ source: String) throws(ExtractionFailure) -> String {
        var lines: [String] = []
        var scalars = source.unicodeScalars.makeIterator()
        var afterString: String?
        while let scalar = scalars.next() {
            switch scalar {
            case "\"":
                if let previous = afterString { lines.append(previous) }
                afterString = try string(&scalars)
            case ":":
                afterString = nil  // it was a key
            case " ", "\t", "\n", "\r":
                continue
            default:
                if let previous = afterString { lines.append(previous) }
                afterString = nil
            }
        }
        if let last = afterString { lines.append(last) }
        return lines.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    private static func string(
        _ scalars: inout String.UnicodeScalarView.Iterator
    ) throws(ExtractionFailure) -> String {
        var result = String.UnicodeScalarView()
        var highSurrogate: UInt32?
        while let scalar = scalars.next() {
            switch scalar {
            case "\"":
                return String(result)
            case "\\":
                guard let escape = scalars.next() else { break }
                switch escape {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "b", "f": result.append(" ")
                case "\"", "\\", "/": result.append(escape)
                case "u":
                    var hex = ""
                    for _ in 0..<4 { if let digit = scalars.next() { hex.unicodeScalars.append(digit) } }
                    guard let unit = UInt32(hex, radix: 16) else {
                        throw ExtractionFailure(.corrupt, "a \\u escape needs four hex digits, not '\(hex)'")
                    }
                    if (0xD800...0xDBFF).contains(unit) {
                        highSurrogate = unit
                        continue
                    }
                    let value =
                        highSurrogate.map { 0x10000 + (($0 - 0xD800) << 10) + (unit - 0xDC00) } ?? unit
                    result.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                default:
                    throw ExtractionFailure(.corrupt, "JSON has no escape \\\(escape)")
                }
            default:
                result.append(scalar)
            }
            highSurrogate = nil
        }
        throw ExtractionFailure(.corrupt, "a JSON string never ends")
    }
}
