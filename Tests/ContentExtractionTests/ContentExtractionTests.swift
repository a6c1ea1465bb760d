import ContentExtraction
import DriveSyncCore
import Testing

struct TextDecodingTests {
    @Test func aByteOrderMarkWinsOverEverything() {
        #expect(TextDecoding.text([0xEF, 0xBB, 0xBF] + Array("héllo".utf8), declared: .windows1252) == "héllo")
        #expect(TextDecoding.text([0xFF, 0xFE, 0x68, 0x00, 0xE9, 0x00]) == "hé")
        #expect(TextDecoding.text([0xFE, 0xFF, 0x00, 0x68, 0x00, 0xE9]) == "hé")
    }

    @Test func validUTF8IsUTF8AndAnythingElseWindows1252() {
        #expect(TextDecoding.text(Array("naïve café 日本".utf8)) == "naïve café 日本")
        #expect(TextDecoding.text([0x63, 0x61, 0x66, 0xE9]) == "café", "Latin-1 é")
        #expect(TextDecoding.text([0x93, 0x71, 0x94, 0x20, 0x80]) == "“q” €", "Windows-1252's typography")
        #expect(TextDecoding.isUTF8([0xE6, 0x97], allowingCutEnd: true), "a sequence cut off at the end of a prefix")
        #expect(!TextDecoding.isUTF8([0xE6, 0x97]))
        #expect(TextDecoding.detect([0x61, 0xE6, 0x97], isPrefix: true).0 == .utf8)
        #expect(!TextDecoding.isUTF8([0xC0, 0x80]), "an overlong encoding")
    }

    @Test func aDeclaredCharsetIsUsedWhenThereIsNoMark() {
        #expect(TextDecoding.Charset(label: "\"ISO-8859-1\"") == .windows1252)
        #expect(TextDecoding.Charset(label: "UTF8") == .utf8)
        #expect(TextDecoding.Charset(label: "koi8-r") == nil)
        #expect(TextDecoding.text([0xC3, 0xA9], declared: .windows1252) == "Ã©")
    }
}

struct HTMLTextTests {
    @Test func tagsScriptsStylesAndCommentsGoAndBlocksBreakLines() {
        let html = """
            <!doctype html><html><head><title>Ignored head</title><style>p { color: red }</style></head>
            <body><h1>Autumn  Leaves</h1><!-- a <b>comment</b> --><p>Chart in <b>Gm</b>,
            lead&nbsp;sheet &amp; lyrics.</p><SCRIPT type="text/javascript">var x = "<p>no</p>";</SCRIPT>
            <ul><li>one</li><li>two&#x21;</li></ul><p>caf&eacute; &#8212; &bogus; AT&T</p></body></html>
            """
        #expect(
            HTMLText.text(html)
                == "Autumn Leaves\nChart in Gm, lead sheet & lyrics.\none\ntwo!\ncafé — &bogus; AT&T"
        )
    }

    @Test func anUnclosedTagOrScriptEndsTheText() {
        #expect(HTMLText.text("before <script>never closed") == "before")
        #expect(HTMLText.text("text <b unclosed") == "text")
    }

    @Test func theDeclaredCharsetIsFoundInTheHead() {
        #expect(HTMLText.declaredCharset(Array(#"<meta charset="windows-1252">"#.utf8)) == .windows1252)
        #expect(
            HTMLText.declaredCharset(
                Array(#"<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">"#.utf8)
            ) == .utf8
        )
        #expect(HTMLText.declaredCharset(Array("<p>no declaration</p>".utf8)) == nil)
    }
}

struct DelimitedTextTests {
    @Test func quotedFieldsKeepSeparatorsLineBreaksAndQuotes() {
        let csv = "title,key,notes\r\n\"Autumn Leaves\",Gm,\"lead sheet, \"\"real\"\" book\"\n\"Two\nlines\",,\n"
        #expect(
            DelimitedText.text(csv)
                == "title\tkey\tnotes\nAutumn Leaves\tGm\tlead sheet, \"real\" book\nTwo\nlines"
        )
        #expect(DelimitedText.text("a\tb\n\tc", separator: "\t") == "a\tb\nc")
        #expect(DelimitedText.text("") == "")
    }
}

struct StructuredTextTests {
    @Test func jsonKeepsStringValuesNotKeys() throws {
        let json =
            #"{"title": "Autumn Leaves", "key": "Gm", "bars": 32, "tags": ["jazz", "caf\u00e9 \ud83c\udfb5"], "x": {"y": "line\nbreak"}}"#
        #expect(try StructuredText.json(json) == "Autumn Leaves\nGm\njazz\ncafé 🎵\nline\nbreak")
        #expect(throws: ExtractionFailure.self) { try StructuredText.json(#"{"never": "ends"#) }
        #expect(throws: ExtractionFailure.self) { try StructuredText.json(#"["\q"]"#) }
    }
}

/// Hostile input: seeded random markup-ish text through every extractor; each returns (or, for JSON, throws
/// `ExtractionFailure`) and never traps.
struct ExtractionFuzzTests {
    @Test func randomInputNeverTraps() async {
        var random = SplitMix64(seed: 2026)
        let pieces = [
            "<", ">", "</", "<!--", "-->", "<script>", "</script>", "<![CDATA[", "]]>", "&", "&#", "&#x", ";", "\"",
            "\\", "\\u", "\\ud83c", ":", ",", "{", "}", "[", "]", "\n", "\r\n", "\t", "a", "é", "日", "🎵", "0", "x",
        ]
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...40, using: &random)).map { _ in pieces.randomElement(using: &random)! }
                .joined()
            _ = HTMLText.text(text)
            for format in [ContentFormat.xml, .rtf, .plainText] {
                _ = try? await ContentExtractor().text(of: InMemoryBytes(Array(text.utf8)), format: format)
            }
            _ = DelimitedText.text(text)
            _ = try? StructuredText.json(text)
            let bytes = (0..<Int.random(in: 0...32, using: &random)).map { _ in
                UInt8.random(in: 0...255, using: &random)
            }
            _ = TextDecoding.text(bytes)
            _ = HTMLText.declaredCharset(bytes)
        }
    }
}
