import DriveSyncCore
import Testing

struct INIFileTests {
    @Test func parsesSectionsValuesAndComments() throws {
        let file = try INIFile(
            parsing: """
                # DriveSync
                [defaults]
                transfers = 8   # more
                ignore = "*.tmp # not a comment"

                ; accounts
                [account work]\r
                endpoint=http://127.0.0.1:9/
                """
        )
        #expect(file.sections.map(\.kind) == ["defaults", "account"])
        #expect(file.sections[0].values == ["transfers": "8", "ignore": "*.tmp # not a comment"])
        #expect(file.sections(of: "account").first?.name == "work")
        #expect(file.sections[1].lines["endpoint"] == 8)
    }

    @Test(arguments: [
        ("key = value", 1, "outside any [section]"),
        ("[defaults\nx = 1", 1, "must end with ']'"),
        ("[defaults]\nnot a pair", 2, "expected key = value"),
        ("[defaults]\nx = 1\nx = 2", 3, "set twice"),
        ("[a]\n[a]", 2, "appears twice"),
        ("[a b c]", 1, "[kind name]"),
    ])
    func reportsTheLineOfEachMistake(text: String, line: Int, message: String) {
        #expect {
            _ = try INIFile(parsing: text)
        } throws: { error in
            guard let error = error as? INIFile.SyntaxError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }
}
