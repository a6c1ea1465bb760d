import DriveSyncCore

/// Drive's search language (`q`), parsed into a tree that `DriveQuery.Evaluator` runs against files.
///
/// Grammar: `or` of `and` of (`not`)* primaries; a primary is a parenthesised expression or a clause:
/// `'ID' in parents`, `name = 'x'`, `modifiedTime > '2024-01-01T00:00:00Z'`, `trashed = false`,
/// `appProperties has { key='k' and value='v' }`, `fullText contains 'x'`.
indirect enum DriveQuery: Sendable, Equatable {
    case and(DriveQuery, DriveQuery)
    case or(DriveQuery, DriveQuery)
    case not(DriveQuery)
    case membership(value: String, collection: String)
    case comparison(field: String, operator: Operator, value: Literal)
    case has(field: String, key: String?, value: String?)

    enum Operator: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case contains
    }

    enum Literal: Sendable, Equatable {
        case string(String)
        case bool(Bool)
        case number(Int64)
    }

    struct SyntaxError: Error, Equatable {
        var message: String
    }

    /// Parses a query; throws `SyntaxError` for anything Drive would answer `400 invalid`.
    static func parse(_ text: String) throws(SyntaxError) -> DriveQuery {
        var parser = Parser(tokens: try Lexer.tokens(in: text))
        let query = try parser.parseOr()
        guard parser.isAtEnd else { throw SyntaxError(message: "unexpected \(parser.peekDescription)") }
        return query
    }
}

// MARK: - Lexer

extension DriveQuery {
    enum Token: Equatable {
        case word(String)
        case string(String)
        case number(Int64)
        case symbol(String)
    }

    enum Lexer {
        static func tokens(in text: String) throws(SyntaxError) -> [Token] {
            var tokens: [Token] = []
            let characters = Array(text)
            var index = 0
            while index < characters.count {
                let character = characters[index]
                if character.isWhitespace {
                    index += 1
                } else if character == "'" || character == "\"" {
                    let quote = character
                    var value = ""
                    index += 1
                    var closed = false
                    while index < characters.count {
                        let next = characters[index]
                        if next == "\\", index + 1 < characters.count {
                            value.append(characters[index + 1])
                            index += 2
                        } else if next == quote {
                            index += 1
                            closed = true
                            break
                        } else {
                            value.append(next)
                            index += 1
                        }
                    }
                    guard closed else { throw SyntaxError(message: "unterminated string") }
                    tokens.append(.string(value))
                } else if "()={},".contains(character) {
                    tokens.append(.symbol(String(character)))
                    index += 1
                } else if character == "!" || character == "<" || character == ">" {
                    if index + 1 < characters.count, characters[index + 1] == "=" {
                        tokens.append(.symbol(String(character) + "="))
                        index += 2
                    } else if character == "!" {
                        throw SyntaxError(message: "unexpected !")
                    } else {
                        tokens.append(.symbol(String(character)))
                        index += 1
                    }
                } else if character.isNumber || character == "-" {
                    var digits = String(character)
                    index += 1
                    while index < characters.count, characters[index].isNumber {
                        digits.append(characters[index])
                        index += 1
                    }
                    guard let number = Int64(digits) else { throw SyntaxError(message: "bad number \(digits)") }
                    tokens.append(.number(number))
                } else if character.isLetter || character == "_" {
                    var word = ""
                    while index < characters.count,
                        characters[index].isLetter || characters[index].isNumber || characters[index] == "_"
                            || characters[index] == "."
                    {
                        word.append(characters[index])
                        index += 1
                    }
                    tokens.append(.word(word))
                } else {
                    throw SyntaxError(message: "unexpected \(character)")
                }
            }
            return tokens
        }
    }
}

// MARK: - Parser

extension DriveQuery {
    struct Parser {
        let tokens: [Token]
        var index = 0

        var isAtEnd: Bool { index == tokens.count }

        var peekDescription: String { index < tokens.count ? "\(tokens[index])" : "end of query" }

        func peekKeyword(_ keyword: String) -> Bool {
            guard index < tokens.count, case .word(let word) = tokens[index] else { return false }
            return word.lowercased() == keyword
        }

        func peekSymbol(_ symbol: String) -> Bool {
            index < tokens.count && tokens[index] == .symbol(symbol)
        }

        mutating func expectSymbol(_ symbol: String) throws(SyntaxError) {
            guard peekSymbol(symbol) else { throw SyntaxError(message: "expected \(symbol), found \(peekDescription)") }
            index += 1
        }

        mutating func parseOr() throws(SyntaxError) -> DriveQuery {
            var left = try parseAnd()
            while peekKeyword("or") {
                index += 1
                left = .or(left, try parseAnd())
            }
            return left
        }

        mutating func parseAnd() throws(SyntaxError) -> DriveQuery {
            var left = try parseNot()
            while peekKeyword("and") {
                index += 1
                left = .and(left, try parseNot())
            }
            return left
        }

        mutating func parseNot() throws(SyntaxError) -> DriveQuery {
            if peekKeyword("not") {
                index += 1
                return .not(try parseNot())
            }
            return try parsePrimary()
        }

        mutating func parsePrimary() throws(SyntaxError) -> DriveQuery {
            if peekSymbol("(") {
                index += 1
                let inner = try parseOr()
                try expectSymbol(")")
                return inner
            }
            guard index < tokens.count else { throw SyntaxError(message: "unexpected end of query") }
            let first = tokens[index]
            index += 1
            switch first {
            case .string(let value):
                guard peekKeyword("in"), index + 1 < tokens.count, case .word(let collection) = tokens[index + 1] else {
                    throw SyntaxError(message: "expected 'in' after a string")
                }
                index += 2
                return .membership(value: value, collection: collection)
            case .word(let field):
                if peekKeyword("has") {
                    index += 1
                    return try parseHas(field: field)
                }
                let op = try parseOperator()
                return .comparison(field: field, operator: op, value: try parseLiteral())
            default:
                throw SyntaxError(message: "unexpected \(first)")
            }
        }

        mutating func parseOperator() throws(SyntaxError) -> Operator {
            guard index < tokens.count else { throw SyntaxError(message: "expected an operator") }
            let token = tokens[index]
            index += 1
            switch token {
            case .symbol(let symbol):
                if let op = Operator(rawValue: symbol) { return op }
            case .word(let word) where word.lowercased() == "contains":
                return .contains
            default:
                break
            }
            throw SyntaxError(message: "expected an operator, found \(token)")
        }

        mutating func parseLiteral() throws(SyntaxError) -> Literal {
            guard index < tokens.count else { throw SyntaxError(message: "expected a value") }
            let token = tokens[index]
            index += 1
            switch token {
            case .string(let value): return .string(value)
            case .number(let value): return .number(value)
            case .word(let word) where word.lowercased() == "true": return .bool(true)
            case .word(let word) where word.lowercased() == "false": return .bool(false)
            default: throw SyntaxError(message: "expected a value, found \(token)")
            }
        }

        /// `{ key='k' and value='v' }`; either part may be absent.
        mutating func parseHas(field: String) throws(SyntaxError) -> DriveQuery {
            try expectSymbol("{")
            var key: String?
            var value: String?
            while !peekSymbol("}") {
                guard index < tokens.count, case .word(let name) = tokens[index] else {
                    throw SyntaxError(message: "expected key or value in has")
                }
                index += 1
                try expectSymbol("=")
                guard case .string(let literal) = try parseLiteral() else {
                    throw SyntaxError(message: "has values are strings")
                }
                switch name.lowercased() {
                case "key": key = literal
                case "value": value = literal
                default: throw SyntaxError(message: "unknown has member \(name)")
                }
                if peekKeyword("and") { index += 1 }
            }
            index += 1
            return .has(field: field, key: key, value: value)
        }
    }
}

// MARK: - Evaluation

/// What the evaluator needs to know about one file.
struct QueryableFile {
    var name: String
    var mimeType: String
    var fullText: String
    var parents: [String]
    var owners: [String]
    var writers: [String]
    var readers: [String]
    var trashed: Bool
    var starred: Bool
    var sharedWithMe: Bool
    var hidden: Bool = false
    var modifiedTime: Int64
    var createdTime: Int64
    var viewedByMeTime: Int64?
    var visibility: String
    var shortcutTargetId: String?
    var appProperties: [String: String]
    var properties: [String: String]
}

extension DriveQuery {
    /// Evaluates the query; `aliases` maps `root` to the caller's root folder ID.
    func matches(_ file: QueryableFile, aliases: [String: String]) throws(SyntaxError) -> Bool {
        switch self {
        case .and(let left, let right):
            guard try left.matches(file, aliases: aliases) else { return false }
            return try right.matches(file, aliases: aliases)
        case .or(let left, let right):
            if try left.matches(file, aliases: aliases) { return true }
            return try right.matches(file, aliases: aliases)
        case .not(let inner):
            return try !inner.matches(file, aliases: aliases)
        case .membership(let value, let collection):
            let resolved = aliases[value] ?? value
            switch collection {
            case "parents": return file.parents.contains(resolved)
            case "owners": return file.owners.contains(value)
            case "writers": return file.writers.contains(value) || file.owners.contains(value)
            case "readers":
                return file.readers.contains(value) || file.writers.contains(value) || file.owners.contains(value)
            default: throw SyntaxError(message: "unknown collection \(collection)")
            }
        case .has(let field, let key, let value):
            let map: [String: String]
            switch field {
            case "appProperties": map = file.appProperties
            case "properties": map = file.properties
            default: throw SyntaxError(message: "has is not supported for \(field)")
            }
            return map.contains { (key == nil || $0.key == key) && (value == nil || $0.value == value) }
        case .comparison(let field, let op, let literal):
            return try Self.compare(field: field, op: op, literal: literal, file: file)
        }
    }

    private static func compare(
        field: String,
        op: Operator,
        literal: Literal,
        file: QueryableFile
    ) throws(SyntaxError) -> Bool {
        switch field {
        case "name":
            // Drive's `=` on names ignores case, as `contains` does.
            return try compareString(file.name, op, literal, ignoringCase: true, contains: nameContains)
        case "mimeType":
            return try compareString(file.mimeType, op, literal) { $0.contains($1) }
        case "fullText":
            guard op == .contains, case .string(let needle) = literal else {
                throw SyntaxError(message: "fullText takes contains")
            }
            return fullTextContains(file.fullText + " " + file.name, needle)
        case "visibility":
            return try compareString(file.visibility, op, literal, contains: nil)
        case "shortcutDetails.targetId":
            return try compareString(file.shortcutTargetId ?? "", op, literal, contains: nil)
        case "trashed": return try compareBool(file.trashed, op, literal)
        case "starred": return try compareBool(file.starred, op, literal)
        case "sharedWithMe": return try compareBool(file.sharedWithMe, op, literal)
        case "hidden": return try compareBool(file.hidden, op, literal)
        case "modifiedTime": return try compareTime(file.modifiedTime, op, literal)
        case "createdTime": return try compareTime(file.createdTime, op, literal)
        case "viewedByMeTime": return try compareTime(file.viewedByMeTime ?? 0, op, literal)
        default:
            throw SyntaxError(message: "unknown query term \(field)")
        }
    }

    private static func compareString(
        _ actual: String,
        _ op: Operator,
        _ literal: Literal,
        ignoringCase: Bool = false,
        contains: ((String, String) -> Bool)?
    ) throws(SyntaxError) -> Bool {
        guard case .string(let expected) = literal else { throw SyntaxError(message: "expected a string") }
        // Code points, not characters: an NFD name is not its NFC twin (Swift's == would say it is).
        let equal =
            ignoringCase
            ? actual.lowercased().utf8.elementsEqual(expected.lowercased().utf8)
            : actual.utf8.elementsEqual(expected.utf8)
        switch op {
        case .equal: return equal
        case .notEqual: return !equal
        case .contains:
            guard let contains else { throw SyntaxError(message: "contains is not supported here") }
            return contains(actual, expected)
        default: throw SyntaxError(message: "\(op.rawValue) is not supported for strings")
        }
    }

    private static func compareBool(_ actual: Bool, _ op: Operator, _ literal: Literal) throws(SyntaxError) -> Bool {
        guard case .bool(let expected) = literal else { throw SyntaxError(message: "expected true or false") }
        switch op {
        case .equal: return actual == expected
        case .notEqual: return actual != expected
        default: throw SyntaxError(message: "\(op.rawValue) is not supported for booleans")
        }
    }

    private static func compareTime(_ actual: Int64, _ op: Operator, _ literal: Literal) throws(SyntaxError) -> Bool {
        guard case .string(let text) = literal, let expected = DriveTimestamp.parseMilliseconds(text) else {
            throw SyntaxError(message: "expected an RFC 3339 date-time")
        }
        switch op {
        case .equal: return actual == expected
        case .notEqual: return actual != expected
        case .less: return actual < expected
        case .lessOrEqual: return actual <= expected
        case .greater: return actual > expected
        case .greaterOrEqual: return actual >= expected
        case .contains: throw SyntaxError(message: "contains is not supported for dates")
        }
    }

    /// `name contains` matches prefixes of the name's tokens, case-insensitively: `HelloWorld`
    /// matches `Hello` but not `World`.
    static func nameContains(_ name: String, _ needle: String) -> Bool {
        let haystack = Array(name.lowercased())
        let target = Array(needle.lowercased())
        guard !target.isEmpty else { return true }
        guard haystack.count >= target.count else { return false }
        for start in 0...(haystack.count - target.count) {
            let atTokenStart = start == 0 || !(haystack[start - 1].isLetter || haystack[start - 1].isNumber)
            if atTokenStart, Array(haystack[start..<start + target.count]) == target { return true }
        }
        return false
    }

    /// `fullText contains` matches whole tokens, or an exact phrase when double-quoted.
    static func fullTextContains(_ text: String, _ needle: String) -> Bool {
        func tokens(_ value: String) -> [String] {
            value.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
        }
        let haystack = tokens(text)
        let wanted = tokens(needle)
        guard !wanted.isEmpty, haystack.count >= wanted.count else { return wanted.isEmpty }
        for start in 0...(haystack.count - wanted.count) where Array(haystack[start..<start + wanted.count]) == wanted {
            return true
        }
        return false
    }
}
