/// gitignore-style rules: `*`, `?`, `[...]`, `**`, a trailing `/` for folders only, a leading or inner
/// `/` to anchor a pattern to its file's folder, `!` to re-include, `#` comments, `\` escapes.
/// Later rules win. Rules from a `.drivesyncignore` apply below the folder that holds it.
public struct IgnoreRules: Sendable {
    struct Rule: Sendable {
        var base: [String]
        /// The pattern's components as scalars, converted once rather than per path.
        var glob: [[Unicode.Scalar]]
        /// For unanchored rules: what a name must start and end with to match, and whether those decide
        /// the match alone (a plain name, or one `*` between them). Most rules (`*.log`, `.git`) never
        /// need the glob, and most names are rejected by a byte comparison.
        var namePrefix: [UInt8]
        var nameSuffix: [UInt8]
        var shape: Shape
        var anchored: Bool
        var foldersOnly: Bool
        var negated: Bool
        var source: String
    }

    enum Shape: Sendable {
        /// No wildcard: the name is the prefix.
        case literal
        /// `prefix*suffix`.
        case star
        case glob
    }

    private(set) var rules: [Rule] = []

    public init() {}

    /// The ignore file's name.
    public static let fileName = ".drivesyncignore"

    /// Always ignored unless a rule re-includes them: OS litter, editor and partial files, VCS folders,
    /// DriveSync's own state.
    public static let builtInDefaults = """
        .DS_Store
        Thumbs.db
        desktop.ini
        .git/
        .hg/
        .svn/
        *.swp
        *~
        ~$*
        .~lock.*#
        *.partial
        .drivesync/
        .drivesync.ini
        """

    public static var defaults: IgnoreRules {
        var rules = IgnoreRules()
        rules.add(contentsOf: builtInDefaults, in: [], source: "built-in defaults")
        return rules
    }

    /// Adds the rules of an ignore file found in folder `base` (its path components).
    public mutating func add(contentsOf text: String, in base: [String], source: String) {
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = String(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            // Trailing spaces are trimmed unless escaped.
            while line.hasSuffix(" "), !line.hasSuffix("\\ ") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            var negated = false
            if line.hasPrefix("!") {
                negated = true
                line.removeFirst()
            } else if line.hasPrefix("\\!") || line.hasPrefix("\\#") {
                line.removeFirst()
            }
            var foldersOnly = false
            if line.hasSuffix("/") {
                foldersOnly = true
                line.removeLast()
            }
            let anchored = line.contains("/")
            let parts = line.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard !parts.isEmpty else { continue }
            let glob = parts.map { Array($0.unicodeScalars) }
            let (prefix, suffix, shape) = Self.literalEnds(of: glob[0])
            rules.append(
                Rule(
                    base: base,
                    glob: glob,
                    namePrefix: prefix,
                    nameSuffix: suffix,
                    shape: shape,
                    anchored: anchored,
                    foldersOnly: foldersOnly,
                    negated: negated,
                    source: source
                )
            )
        }
    }

    /// The literal text a name pattern starts and ends with, and whether it has no other wildcard.
    static func literalEnds(of pattern: [Unicode.Scalar]) -> (prefix: [UInt8], suffix: [UInt8], shape: Shape) {
        func bytes(_ scalars: ArraySlice<Unicode.Scalar>) -> [UInt8] {
            Array(String(String.UnicodeScalarView(scalars)).utf8)
        }
        let special: Set<Unicode.Scalar> = ["*", "?", "[", "\\"]
        guard let first = pattern.firstIndex(where: special.contains) else {
            return (bytes(pattern[...]), [], .literal)
        }
        // After a class or an escape the tail is not plain text; after `*` and `?` it is.
        let tail =
            pattern.contains("[") || pattern.contains("\\")
            ? [] : bytes(pattern[(pattern.lastIndex(where: special.contains)! + 1)...])
        let isStar = pattern.filter(special.contains) == ["*"]
        return (bytes(pattern[..<first]), tail, isStar ? .star : .glob)
    }

    /// Whether a path (its components from the sync root) is ignored.
    public func isIgnored(_ components: [String], isFolder: Bool) -> Bool {
        guard !rules.isEmpty, var last = components.last else { return false }
        return last.withUTF8 { isIgnored(components, name: $0, isFolder: isFolder) }
    }

    private func isIgnored(_ components: [String], name bytes: UnsafeBufferPointer<UInt8>, isFolder: Bool) -> Bool {
        var name: [Unicode.Scalar]?
        var path: [[Unicode.Scalar]]?
        var ignored = false
        // Only a rule of the other polarity can change the verdict so far.
        for rule in rules where rule.negated == ignored {
            guard components.count > rule.base.count, rule.base.isEmpty || components.starts(with: rule.base) else {
                continue
            }
            if rule.foldersOnly && !isFolder { continue }
            let matches: Bool
            if rule.anchored {
                if path == nil { path = components.map { Array($0.unicodeScalars) } }
                matches = Self.match(rule.glob[...], path![rule.base.count...])
            } else {
                guard bytes.starts(with: rule.namePrefix), bytes.count >= rule.namePrefix.count + rule.nameSuffix.count,
                    bytes[(bytes.count - rule.nameSuffix.count)...].elementsEqual(rule.nameSuffix)
                else { continue }
                switch rule.shape {
                case .literal: matches = bytes.count == rule.namePrefix.count
                case .star: matches = true
                case .glob:
                    if name == nil { name = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars) }
                    matches = Self.matchGlob(rule.glob[0][...], name![...])
                }
            }
            if matches { ignored = !rule.negated }
        }
        return ignored
    }

    /// Path components against pattern components, with `**` matching any number of components.
    static func match(_ pattern: ArraySlice<[Unicode.Scalar]>, _ path: ArraySlice<[Unicode.Scalar]>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == ["*", "*"] {
            let rest = pattern.dropFirst()
            for start in path.startIndex...path.endIndex where match(rest, path[start...]) { return true }
            return false
        }
        guard let name = path.first, matchGlob(first[...], name[...]) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// One name against a glob: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`, `\` escapes.
    private static func matchGlob(_ pattern: ArraySlice<Unicode.Scalar>, _ name: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let token = pattern.first else { return name.isEmpty }
        switch token {
        case "*":
            let rest = pattern.dropFirst()
            for start in name.startIndex...name.endIndex where matchGlob(rest, name[start...]) { return true }
            return false
        case "?":
            return !name.isEmpty && matchGlob(pattern.dropFirst(), name.dropFirst())
        case "[":
            guard let character = name.first, let close = pattern.dropFirst(2).firstIndex(of: "]") else {
                return name.first == "[" && matchGlob(pattern.dropFirst(), name.dropFirst())
            }
            var set = pattern[pattern.index(after: pattern.startIndex)..<close]
            let negate = set.first == "!" || set.first == "^"
            if negate { set = set.dropFirst() }
            var matched = false
            var index = set.startIndex
            while index < set.endIndex {
                let low = set[index]
                if index + 2 < set.endIndex, set[index + 1] == "-" {
                    if low <= character && character <= set[index + 2] { matched = true }
                    index += 3
                } else {
                    if low == character { matched = true }
                    index += 1
                }
            }
            return matched != negate && matchGlob(pattern[(close + 1)...], name.dropFirst())
        case "\\" where pattern.count > 1:
            let literal = pattern[pattern.index(after: pattern.startIndex)]
            return name.first == literal && matchGlob(pattern.dropFirst(2), name.dropFirst())
        default:
            return name.first == token && matchGlob(pattern.dropFirst(), name.dropFirst())
        }
    }
}
