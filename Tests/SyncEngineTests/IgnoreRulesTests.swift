import SyncEngine
import Testing

struct IgnoreRulesTests {
    func rules(_ text: String, in base: [String] = []) -> IgnoreRules {
        var rules = IgnoreRules()
        rules.add(contentsOf: text, in: base, source: "test")
        return rules
    }

    func ignored(_ rules: IgnoreRules, _ path: String, folder: Bool = false) -> Bool {
        rules.isIgnored(path.split(separator: "/").map(String.init), isFolder: folder)
    }

    @Test func gitignoreSemantics() {
        let r = rules(
            """
            # comment
            *.log
            !keep.log
            build/
            /top.txt
            docs/**/*.tmp
            a?c
            [Tt]emp*
            \\#literal
            """
        )
        #expect(ignored(r, "x.log"))
        #expect(ignored(r, "deep/down/x.log"))
        #expect(!ignored(r, "keep.log"))
        #expect(ignored(r, "build", folder: true))
        #expect(ignored(r, "src/build", folder: true))
        #expect(!ignored(r, "build"), "build/ matches folders only")
        #expect(ignored(r, "top.txt"))
        #expect(!ignored(r, "sub/top.txt"), "a leading slash anchors")
        #expect(ignored(r, "docs/a/b/c.tmp"))
        #expect(ignored(r, "docs/c.tmp"))
        #expect(!ignored(r, "other/c.tmp"))
        #expect(ignored(r, "abc") && !ignored(r, "abbc"))
        #expect(ignored(r, "Temporary") && ignored(r, "temp.txt") && !ignored(r, "xtemp"))
        #expect(ignored(r, "#literal"))
    }

    @Test func nestedFilesApplyBelowTheirFolder() {
        let r = rules("*.csv\n/local-only.txt\n", in: ["project"])
        #expect(ignored(r, "project/data/x.csv"))
        #expect(!ignored(r, "other/x.csv"))
        #expect(ignored(r, "project/local-only.txt"))
        #expect(!ignored(r, "project/sub/local-only.txt"))
    }

    @Test func defaultsCoverLitterAndCanBeOverridden() {
        var r = IgnoreRules.defaults
        #expect(
            ignored(r, ".DS_Store") && ignored(r, "a/.git", folder: true) && ignored(r, "notes.txt~")
                && ignored(r, "~$report.docx")
        )
        #expect(!ignored(r, "notes.txt"))
        r.add(contentsOf: "!.DS_Store", in: [], source: "user")
        #expect(!ignored(r, ".DS_Store"))
    }

    @Test func characterClassesAndEscapes() {
        #expect(ignored(rules("[a-c]x"), "bx"))
        #expect(!ignored(rules("[!a-c]x"), "bx"))
        #expect(ignored(rules("\\*"), "*"))
        #expect(!ignored(rules("\\*"), "a"))
    }

    /// The byte pre-checks (literal start and end of a pattern) must never change a verdict.
    @Test func literalEndsDecideOnlyWhatTheGlobWould() {
        let cases: [(pattern: String, name: String, ignored: Bool)] = [
            ("a*a", "a", false), ("a*a", "aa", true), ("a*a", "aXa", true), ("*.log", ".log", true),
            ("*.log", "x.lo", false), ("x?y", "xy", false), ("x?y", "x\u{E9}y", true), ("*é", "cafe\u{301}", false),
            ("*é", "caf\u{E9}", true), ("a[bc]*d", "acxd", true), ("a[bc]*d", "ad", false), ("a\\*b", "a*b", true),
            ("a\\*b", "axb", false), ("~$*", "~$x", true), (".~lock.*#", ".~lock.a.odt#", true),
            (".git", ".gitx", false),
        ]
        for (pattern, name, expected) in cases {
            #expect(ignored(rules(pattern), name) == expected, "\(pattern) against \(name)")
        }
    }
}
