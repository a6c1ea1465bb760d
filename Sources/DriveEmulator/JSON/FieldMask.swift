/// A parsed `fields` partial-response selector (`nextPageToken,files(id,name),capabilities/canEdit`).
struct FieldMask: Sendable, Equatable {
    /// Everything below this level is selected.
    var selectsAll: Bool
    var members: [String: FieldMask]

    static let all = FieldMask(selectsAll: true, members: [:])

    init(selectsAll: Bool = false, members: [String: FieldMask] = [:]) {
        self.selectsAll = selectsAll
        self.members = members
    }

    struct InvalidSelection: Error, Equatable {
        var detail: String
    }

    /// Parses a selector. Spaces are allowed around names (`files(id, name)`).
    static func parse(_ text: String) throws(InvalidSelection) -> FieldMask {
        var parser = Parser(characters: Array(text))
        let mask = try parser.parseList(closing: nil)
        guard parser.isAtEnd else { throw InvalidSelection(detail: text) }
        return mask
    }

    /// Checks every selected name against a schema (`File`, `FileList`, ...).
    func validate(schema: String) throws(InvalidSelection) {
        guard !selectsAll else { return }
        guard let known = DriveSchema.fields[schema] else { return }
        for (name, child) in members {
            guard let reference = known[name] else { throw InvalidSelection(detail: name) }
            if DriveSchema.mapFields.contains(name) { continue }
            if reference.isEmpty {
                guard child.selectsAll || child.members.isEmpty else { throw InvalidSelection(detail: name) }
            } else {
                try child.validate(schema: reference)
            }
        }
    }

    /// The selection inside member `name` (nothing when it is not selected).
    func child(_ name: String) -> FieldMask { selectsAll ? .all : members[name] ?? FieldMask() }

    /// Whether member `name` is selected.
    func selects(_ name: String) -> Bool { selectsAll || members[name] != nil }

    /// Keeps only the selected members, recursively; arrays apply the mask to each element.
    func apply(to value: JSONValue) -> JSONValue {
        guard !selectsAll else { return value }
        switch value {
        case .object(let objectMembers):
            return .object(
                objectMembers.compactMap { member in
                    members[member.key].map { JSONMember(member.key, $0.apply(to: member.value)) }
                }
            )
        case .array(let elements):
            return .array(elements.map(apply(to:)))
        default:
            return value
        }
    }

    private mutating func merge(path: [String], child: FieldMask) {
        guard let first = path.first else {
            if child.selectsAll {
                self = .all
            } else {
                for (key, value) in child.members { members[key, default: FieldMask()].mergeMask(value) }
            }
            return
        }
        guard !selectsAll else { return }
        members[first, default: FieldMask()].merge(path: Array(path.dropFirst()), child: child)
    }

    private mutating func mergeMask(_ other: FieldMask) {
        if selectsAll { return }
        if other.selectsAll {
            self = .all
            return
        }
        for (key, value) in other.members { members[key, default: FieldMask()].mergeMask(value) }
    }

    private struct Parser {
        let characters: [Character]
        var index = 0

        var isAtEnd: Bool { index == characters.count }

        mutating func skipSpaces() {
            while index < characters.count, characters[index] == " " { index += 1 }
        }

        mutating func parseList(closing: Character?) throws(InvalidSelection) -> FieldMask {
            var mask = FieldMask()
            while true {
                skipSpaces()
                let path = try parsePath()
                skipSpaces()
                var child = FieldMask.all
                if index < characters.count, characters[index] == "(" {
                    index += 1
                    child = try parseList(closing: ")")
                }
                if path == ["*"] {
                    mask.mergeMask(child.selectsAll ? .all : child)
                } else {
                    mask.merge(path: path, child: child)
                }
                skipSpaces()
                if index < characters.count, characters[index] == "," {
                    index += 1
                    continue
                }
                if let closing {
                    guard index < characters.count, characters[index] == closing else {
                        throw InvalidSelection(detail: String(characters))
                    }
                    index += 1
                }
                return mask
            }
        }

        mutating func parsePath() throws(InvalidSelection) -> [String] {
            var path: [String] = []
            var name = ""
            while index < characters.count {
                let character = characters[index]
                if character == "," || character == "(" || character == ")" || character == " " { break }
                index += 1
                if character == "/" {
                    guard !name.isEmpty else { throw InvalidSelection(detail: String(characters)) }
                    path.append(name)
                    name = ""
                } else {
                    name.append(character)
                }
            }
            guard !name.isEmpty else { throw InvalidSelection(detail: String(characters)) }
            path.append(name)
            return path
        }
    }
}
