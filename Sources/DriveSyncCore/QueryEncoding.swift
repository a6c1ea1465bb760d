/// Encoding of URL query values and Drive `q` literals, shared by every client and test.
public enum QueryEncoding {
    /// Characters left as they are in a query value (RFC 3986 unreserved). Everything else,
    /// `+` included, is percent-encoded: Google decodes a bare `+` as a space.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Percent-encodes a query parameter name or value.
    public static func percentEncode(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            if isUnreserved(byte) {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Builds a query string (`a=1&b=x%20y`) from ordered pairs.
    public static func queryString(_ items: [(String, String)]) -> String {
        items.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    /// Decodes a percent-encoded component. With `plusAsSpace`, `+` means a space (form and query
    /// encoding); malformed escapes are kept literally, as lenient servers do.
    public static func percentDecode(_ text: some StringProtocol, plusAsSpace: Bool) -> String {
        let utf8 = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Parses `a=1&b=2` into ordered pairs, decoding `+` and percent escapes.
    public static func parseQuery(_ query: some StringProtocol) -> [(String, String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            if let equals = item.firstIndex(of: "=") {
                return (
                    percentDecode(item[..<equals], plusAsSpace: true),
                    percentDecode(item[item.index(after: equals)...], plusAsSpace: true)
                )
            }
            return (percentDecode(item, plusAsSpace: true), "")
        }
    }

    /// A Drive query string literal: backslashes escaped first, then single quotes.
    ///
    /// `it's a\b` becomes `'it\'s a\\b'`.
    public static func driveQueryLiteral(_ value: String) -> String {
        var literal = "'"
        for character in value {
            if character == "\\" || character == "'" { literal.append("\\") }
            literal.append(character)
        }
        return literal + "'"
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
