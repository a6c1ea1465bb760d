/// Bytes to text the way a reader expects: a byte-order mark wins, then a declared charset, then UTF-8
/// when the bytes are valid UTF-8, else Windows-1252 (which every byte sequence is, and which Latin-1 text
/// written on the web usually is).
public enum TextDecoding {
    public enum Charset: String, Sendable, Hashable, CaseIterable {
        case utf8 = "utf-8"
        case utf16LittleEndian = "utf-16le"
        case utf16BigEndian = "utf-16be"
        case windows1252 = "windows-1252"

        /// The charset a `charset=` label names, when it is one of these (labels as the WHATWG Encoding
        /// standard lists them, case-insensitive).
        public init?(label: some StringProtocol) {
            let quotes: Set<Character> = [" ", "\t", "\"", "'"]
            switch String(label.drop { quotes.contains($0) }.reversed().drop { quotes.contains($0) }.reversed())
                .lowercased()
            {
            case "utf-8", "utf8", "unicode-1-1-utf-8": self = .utf8
            case "utf-16le", "utf-16": self = .utf16LittleEndian
            case "utf-16be": self = .utf16BigEndian
            case "windows-1252", "cp1252", "iso-8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii",
                "iso8859-1", "x-cp1252":
                self = .windows1252
            default: return nil
            }
        }
    }

    /// The charset of `bytes` and how many leading bytes are its mark. `bytes` may be the first few
    /// kilobytes only (`isPrefix`): a character cut off at their end is not held against UTF-8.
    public static func detect(
        _ bytes: some Collection<UInt8>,
        declared: Charset? = nil,
        isPrefix: Bool = false
    ) -> (Charset, markLength: Int) {
        let head = Array(bytes.prefix(3))
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { return (.utf8, 3) }
        if head.starts(with: [0xFF, 0xFE]) { return (.utf16LittleEndian, 2) }
        if head.starts(with: [0xFE, 0xFF]) { return (.utf16BigEndian, 2) }
        if let declared { return (declared, 0) }
        return (isUTF8(bytes, allowingCutEnd: isPrefix) ? .utf8 : .windows1252, 0)
    }

    /// Whether `bytes` are UTF-8; with `allowingCutEnd`, a sequence cut off at the end (a prefix of a longer
    /// text) is too.
    public static func isUTF8(_ bytes: some Collection<UInt8>, allowingCutEnd: Bool = false) -> Bool {
        var iterator = bytes.makeIterator()
        var pending = 0
        while let byte = iterator.next() {
            if pending > 0 {
                guard byte & 0xC0 == 0x80 else { return false }
                pending -= 1
            } else if byte >= 0x80 {
                switch byte {
                case 0xC2...0xDF: pending = 1
                case 0xE0...0xEF: pending = 2
                case 0xF0...0xF4: pending = 3
                default: return false
                }
            }
        }
        return pending == 0 || allowingCutEnd
    }

    /// `bytes` as text in `charset`; what cannot be decoded becomes U+FFFD.
    public static func decode(_ bytes: some Collection<UInt8>, as charset: Charset) -> String {
        switch charset {
        case .utf8:
            return String(decoding: Array(bytes), as: UTF8.self)
        case .utf16LittleEndian, .utf16BigEndian:
            let array = Array(bytes)
            var units: [UInt16] = []
            units.reserveCapacity(array.count / 2)
            var index = 0
            while index + 1 < array.count {
                let (first, second) = (UInt16(array[index]), UInt16(array[index + 1]))
                units.append(charset == .utf16LittleEndian ? first | second << 8 : first << 8 | second)
                index += 2
            }
            return String(decoding: units, as: UTF16.self)
        case .windows1252:
            var scalars = String.UnicodeScalarView()
            for byte in bytes {
                scalars.append(Unicode.Scalar(windows1252[Int(byte)]) ?? "\u{FFFD}")
            }
            return String(scalars)
        }
    }

    /// Text of `bytes`, its charset detected (`declared` from a `Content-Type` or the document itself).
    public static func text(_ bytes: some Collection<UInt8>, declared: Charset? = nil) -> String {
        let (charset, mark) = detect(bytes, declared: declared)
        return decode(bytes.dropFirst(mark), as: charset)
    }

    /// Windows-1252 to Unicode: Latin-1, except 0x80–0x9F, where it has typographic characters.
    private static let windows1252: [UInt32] = (0..<256).map { byte in
        let high: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
            0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
            0x0153, 0x9D, 0x017E, 0x0178,
        ]
        return (0x80...0x9F).contains(byte) ? high[byte - 0x80] : UInt32(byte)
    }
}
