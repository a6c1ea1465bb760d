/// The text of CSV or TSV: each record a line, its fields separated by a tab, quotes removed (RFC 4180:
/// a quoted field may hold the separator, line breaks and doubled quotes).
public enum DelimitedText {
    public static func text(_ source: String, separator: Character = ",") -> String {
        var lines: [String] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = source.makeIterator()
        var pending = characters.next()
        func endRecord() {
            fields.append(field)
            field = ""
            let line = fields.filter { !$0.isEmpty }.joined(separator: "\t")
            if !line.isEmpty { lines.append(line) }
            fields = []
        }
        while let character = pending {
            pending = characters.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        field.append("\"")
                        pending = characters.next()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == separator {
                fields.append(field)
                field = ""
            } else if character.isNewline {
                endRecord()
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return lines.joined(separator: "\n")
    }
}
