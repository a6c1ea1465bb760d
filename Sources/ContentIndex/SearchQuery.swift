public import Foundation

/// A search as users write it, the same on SQLite and PostgreSQL:
/// `autumn "lead sheet" -draft jazz OR swing improv* name:leaves type:pdf folder:Charts account:work
/// modified:>2026-01-01 key:Gm`. Terms are ANDed; `OR` joins the terms either side of it; `-` excludes a
/// term; `*` ends a prefix. `name:` matches words of the file's name; other `field:value` pairs filter.
public struct SearchQuery: Sendable, Hashable {
    public enum Term: Sendable, Hashable {
        /// Words are lower-cased, not folded: each backend folds them as it folds the text.
        case word(String, prefix: Bool)
        case phrase([String])
    }

    /// Terms any one of which matches (one term when there is no `OR`).
    public struct Clause: Sendable, Hashable {
        public var alternatives: [Term]
        public var excluded: Bool
        /// Whether the terms must be in the file's name.
        public var inName: Bool

        public init(alternatives: [Term], excluded: Bool = false, inName: Bool = false) {
            self.alternatives = alternatives
            self.excluded = excluded
            self.inName = inName
        }
    }

    public enum Filter: Sendable, Hashable {
        /// A format (`pdf`, `docx`) or a MIME type (`application/pdf`, `text/*`'s `text`).
        case type(String)
        /// Files in this folder or below it, a path from the drive's root.
        case folder(String)
        case account(String)
        /// Modified at or after `from` and before `before` (either open).
        case modified(from: Date?, before: Date?)
        /// A filename field's value (`key:Gm`), compared without regard to case.
        case field(String, String)
    }

    public var clauses: [Clause] = []
    public var filters: [Filter] = []

    /// Whether the query asks for any text (else it lists what the filters select).
    public var hasText: Bool { clauses.contains { !$0.excluded } }

    public init(clauses: [Clause] = [], filters: [Filter] = []) {
        self.clauses = clauses
        self.filters = filters
    }

    /// Parses `text`; throws `SearchQueryError` for what it cannot read, saying how to write it.
    public init(parsing text: String) throws(SearchQueryError) {
        var tokens = try Self.tokens(text)[...]
        var pendingOr = false
        while let token = tokens.popFirst() {
            switch token {
            case .or:
                guard let last = clauses.last, !last.excluded, !tokens.isEmpty else {
                    throw SearchQueryError("OR needs a term on each side, as in: jazz OR swing")
                }
                pendingOr = true
            case .term(let term, let excluded, let inName):
                if pendingOr {
                    guard !excluded, clauses[clauses.count - 1].inName == inName else {
                        throw SearchQueryError("OR joins plain terms, as in: jazz OR swing")
                    }
                    clauses[clauses.count - 1].alternatives.append(term)
                    pendingOr = false
                } else {
                    clauses.append(Clause(alternatives: [term], excluded: excluded, inName: inName))
                }
            case .filter(let filter):
                if pendingOr { throw SearchQueryError("OR joins plain terms, not filters") }
                filters.append(filter)
            }
        }
    }

    private enum Token {
        case term(Term, excluded: Bool, inName: Bool)
        case filter(Filter)
        case or
    }

    private static func tokens(_ text: String) throws(SearchQueryError) -> [Token] {
        var tokens: [Token] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0.isWhitespace }
            guard !rest.isEmpty else { return tokens }
            var excluded = false
            if rest.first == "-", rest.count > 1, !rest.dropFirst().first!.isWhitespace {
                excluded = true
                rest = rest.dropFirst()
            }
            var key: Substring?
            if let colon = rest.prefix(while: { !$0.isWhitespace && $0 != "\"" }).firstIndex(of: ":"),
                rest[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }),
                !rest[..<colon].isEmpty
            {
                key = rest[..<colon]
                rest = rest[rest.index(after: colon)...]
            }
            let value: Substring
            let quoted = rest.first == "\""
            if quoted {
                let body = rest.dropFirst()
                guard let close = body.firstIndex(of: "\"") else {
                    throw SearchQueryError("a phrase starts with \" and needs a closing \"")
                }
                value = body[..<close]
                rest = body[body.index(after: close)...]
            } else {
                value = rest.prefix { !$0.isWhitespace }
                rest = rest[value.endIndex...]
            }
            if let key {
                let name = key.lowercased()
                if name == "name" {
                    for term in terms(value, quoted: quoted) {
                        tokens.append(.term(term, excluded: excluded, inName: true))
                    }
                } else {
                    if excluded {
                        throw SearchQueryError("-\(key): is not supported; filters include, they do not exclude")
                    }
                    tokens.append(.filter(try filter(name, String(value))))
                }
            } else if value == "OR", !quoted, !excluded {
                tokens.append(.or)
            } else {
                for term in terms(value, quoted: quoted) {
                    tokens.append(.term(term, excluded: excluded, inName: false))
                }
            }
        }
    }

    /// A quoted value is one phrase; an unquoted one a word (a prefix when it ends in `*`), or a phrase
    /// when punctuation splits it (`e-mail`).
    private static func terms(_ value: Substring, quoted: Bool) -> [Term] {
        let prefix = !quoted && value.hasSuffix("*")
        let words = TextFolding.words(prefix ? value.dropLast() : value, folding: false)
        switch words.count {
        case 0: return []
        case 1 where !quoted: return [.word(words[0], prefix: prefix)]
        default: return [.phrase(words)]
        }
    }

    private static func filter(_ key: String, _ value: String) throws(SearchQueryError) -> Filter {
        guard !value.isEmpty else { throw SearchQueryError("\(key): needs a value, as in \(key):something") }
        switch key {
        case "type": return .type(value.lowercased())
        case "folder": return .folder(value.split(separator: "/").joined(separator: "/"))
        case "account": return .account(value)
        case "modified":
            let comparison = value.prefix { "<>=".contains($0) }
            guard let day = Self.day(value.dropFirst(comparison.count)) else {
                throw SearchQueryError("modified: takes a date, as in modified:>2026-01-01 or modified:<=2026-06-30")
            }
            let next = day + 86_400
            switch comparison {
            case "": return .modified(from: day, before: next)
            case ">": return .modified(from: next, before: nil)
            case ">=": return .modified(from: day, before: nil)
            case "<": return .modified(from: nil, before: day)
            case "<=": return .modified(from: nil, before: next)
            default: throw SearchQueryError("modified: compares with <, <=, > or >=, not \(comparison)")
            }
        default:
            return .field(key, value)
        }
    }

    /// `YYYY-MM-DD` as midnight UTC.
    static func day(_ text: Substring) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day), parts[0].count == 4
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day))
    }
}

/// A query the parser cannot read, and how to write it.
public struct SearchQueryError: Error, Hashable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
