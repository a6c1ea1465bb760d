/// A hand-editable configuration file in INI form, as rclone's: `[section]` headers, `key = value`
/// lines, `#` and `;` comments. Pure: parsing reports the line of every mistake.
///
/// ```
/// [defaults]
/// transfers = 8
///
/// [account work]
/// endpoint = http://127.0.0.1:8080
/// ```
public struct INIFile: Hashable, Sendable {
    public struct Section: Hashable, Sendable {
        /// `defaults`, or `account work` split into kind `account` and name `work`.
        public var kind: String
        public var name: String?
        public var values: [String: String]
        /// Line of each key, for error messages.
        public var lines: [String: Int]
        public var line: Int
    }

    public struct SyntaxError: UserFacingError, Hashable {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public var sections: [Section]

    public init(parsing text: String) throws(SyntaxError) {
        var sections: [Section] = []
        for (offset, rawLine) in text.split(
            omittingEmptySubsequences: false,
            whereSeparator: { $0 == "\n" || $0 == "\r\n" }
        ).enumerated() {
            let number = offset + 1
            let line = rawLine.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw SyntaxError(line: number, message: "a section header must end with ']'")
                }
                let words = line.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true).map(
                    String.init
                )
                guard let kind = words.first, words.count <= 2 else {
                    throw SyntaxError(line: number, message: "a section header is [kind] or [kind name]")
                }
                if sections.contains(where: {
                    $0.kind == kind && $0.name == words.last.flatMap { words.count == 2 ? $0 : nil }
                }) {
                    throw SyntaxError(line: number, message: "section [\(words.joined(separator: " "))] appears twice")
                }
                sections.append(
                    Section(kind: kind, name: words.count == 2 ? words[1] : nil, values: [:], lines: [:], line: number)
                )
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw SyntaxError(line: number, message: "expected key = value")
            }
            let key = line[..<equals].trimmingSpaces
            let value = line[line.index(after: equals)...].trimmingSpaces
            guard !key.isEmpty else { throw SyntaxError(line: number, message: "a key is missing before '='") }
            guard !sections.isEmpty else {
                throw SyntaxError(line: number, message: "'\(key)' is outside any [section]")
            }
            guard sections[sections.count - 1].values[key] == nil else {
                throw SyntaxError(line: number, message: "'\(key)' is set twice")
            }
            sections[sections.count - 1].values[key] = Self.unquoted(value)
            sections[sections.count - 1].lines[key] = number
        }
        self.sections = sections
    }

    /// `"a # b"` keeps its `#`; an unquoted value ends at ` #`.
    private static func unquoted(_ value: String) -> String {
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            return String(value.dropFirst().dropLast())
        }
        var previous: Character = " "
        for index in value.indices {
            if value[index] == "#", previous == " " || previous == "\t" {
                return String(value[..<index]).trimmingSpaces
            }
            previous = value[index]
        }
        return value
    }

    public func sections(of kind: String) -> [Section] { sections.filter { $0.kind == kind } }
}
