import Foundation

/// Text as the index compares it: lower case, diacritics removed ("Café" and "cafe" are one word), split
/// into words of letters and digits. SQLite's `unicode61` tokenizer does the same inside FTS5; PostgreSQL
/// gets text folded here, so both backends match alike.
public enum TextFolding {
    public static func fold(_ text: some StringProtocol) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in String(text).lowercased().decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            scalars.append(scalar)
        }
        return String(scalars)
    }

    /// The words of `text` in order, lower-cased, and folded when `folding` (SQLite's tokenizer folds the
    /// words of a query itself, and only in Latin script: a query keeps its diacritics for it).
    public static func words(_ text: some StringProtocol, folding: Bool = true) -> [String] {
        (folding ? fold(text) : text.lowercased()).split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// The folded words of `text` one space apart: what PostgreSQL's parser reads as those words and no
    /// others (on its own it reads `Café.md` as one file name).
    public static func searchable(_ text: some StringProtocol) -> String {
        words(text).joined(separator: " ")
    }
}
