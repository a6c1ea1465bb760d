/// Fields read from a file's name by a pattern: `{title} - {key} ({type}).pdf` reads
/// "Autumn Leaves - Gm (lead sheet).pdf" as title "Autumn Leaves", key "Gm", type "lead sheet". Literal
/// parts match without regard to case; each field takes at least one character, and the earlier fields take
/// as much as they can (so a title may hold " - " itself).
public struct FilenamePattern: Sendable, Hashable {
    enum Part: Hashable {
        case literal(String)
        case field(String)
    }

    let parts: [Part]
    public var fieldNames: [String] {
        parts.compactMap {
            if case .field(let name) = $0 { return name }
            return nil
        }
    }

    /// Throws a message saying what is wrong with `pattern`.
    public init(_ pattern: String) throws(FilenamePatternError) {
        var parts: [Part] = []
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw FilenamePatternError("'{' without '}' in \(pattern)")
            }
            let name = rest[rest.index(after: open)..<close]
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw FilenamePatternError("a field is {letters_or_digits}, not {\(name)}")
            }
            if case .field = parts.last {
                throw FilenamePatternError("{\(name)} follows another field directly; put text between them")
            }
            parts.append(.field(name.lowercased()))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        guard parts.contains(where: { if case .field = $0 { true } else { false } }) else {
            throw FilenamePatternError("\(pattern) has no {field}")
        }
        self.parts = parts
    }

    /// The fields of `name`, or nil when it does not fit the pattern.
    public func fields(of name: String) -> [String: String]? {
        var fields: [String: String] = [:]
        var failed: Set<[Int]> = []
        return match(Array(name)[...], parts[...], &fields, &failed) ? fields : nil
    }

    /// `failed` remembers where the rest cannot match, so a hostile name costs polynomial time, not
    /// exponential.
    private func match(
        _ name: ArraySlice<Character>,
        _ parts: ArraySlice<Part>,
        _ fields: inout [String: String],
        _ failed: inout Set<[Int]>
    ) -> Bool {
        guard let part = parts.first else { return name.isEmpty }
        let position = [name.startIndex, parts.startIndex]
        if failed.contains(position) { return false }
        let matched = matchPart(part, name, parts, &fields, &failed)
        if !matched { failed.insert(position) }
        return matched
    }

    private func matchPart(
        _ part: Part,
        _ name: ArraySlice<Character>,
        _ parts: ArraySlice<Part>,
        _ fields: inout [String: String],
        _ failed: inout Set<[Int]>
    ) -> Bool {
        switch part {
        case .literal(let text):
            let literal = Array(text)
            guard name.count >= literal.count,
                zip(name.prefix(literal.count), literal).allSatisfy({ $0.lowercased() == $1.lowercased() })
            else { return false }
            return match(name.dropFirst(literal.count), parts.dropFirst(), &fields, &failed)
        case .field(let field):
            // Longest first: the earlier field takes what it can.
            for length in stride(from: name.count, through: 1, by: -1) {
                if match(name.dropFirst(length), parts.dropFirst(), &fields, &failed) {
                    fields[field] = String(name.prefix(length)).trimmingWhitespaceString
                    return true
                }
            }
            return false
        }
    }
}

public struct FilenamePatternError: Error, Hashable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Which files a rule applies to: MIME types (`application/pdf`), families (`image/*`) or formats (`pdf`,
/// `docx`); empty applies to every file.
public struct ContentTypeFilter: Sendable, Hashable {
    public var patterns: [String]

    public init(_ list: String) {
        patterns = list.split(separator: ",").map { $0.trimmingWhitespace.lowercased() }.filter { !$0.isEmpty }
    }

    public func matches(mimeType: String, name: String) -> Bool {
        guard !patterns.isEmpty else { return true }
        let type = mimeType.lowercased()
        let format = ContentFormat(mimeType: mimeType, name: name)?.rawValue
        return patterns.contains { pattern in
            if pattern.hasSuffix("/*") { return type.hasPrefix(pattern.dropLast()) }
            return pattern == type || pattern == format
        }
    }
}

extension String {
    var trimmingWhitespaceString: String { String(Substring(self).trimmingWhitespace) }
}
