import ContentExtraction
import DriveSyncCore
import Foundation
import Synchronization
import Testing

/// A fixture written by Fixtures/make-fixtures.py.
func fixture(_ name: String) throws -> [UInt8] {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    return [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
}

/// Bytes as an async sequence of pieces, the way a download arrives.
struct Pieces: AsyncSequence {
    let bytes: [UInt8]
    let size: Int

    func makeAsyncIterator() -> AsyncStream<ArraySlice<UInt8>>.Iterator {
        let (stream, continuation) = AsyncStream.makeStream(of: ArraySlice<UInt8>.self)
        for start in stride(from: 0, to: bytes.count, by: size) {
            continuation.yield(bytes[start..<Swift.min(start + size, bytes.count)])
        }
        continuation.finish()
        return stream.makeAsyncIterator()
    }
}

/// A count a stream's producer keeps and the test reads.
final class Tally: Sendable {
    private let value = Mutex(0)
    var total: Int { value.withLock { $0 } }

    /// Adds `amount` unless the total has reached `limit`; whether it did.
    func add(_ amount: Int, upTo limit: Int) -> Bool {
        value.withLock { total in
            guard total < limit else { return false }
            total += amount
            return true
        }
    }
}

/// Counts the bytes read through it, to show archives are read in part.
struct CountingBytes: RandomAccessBytes {
    let bytes: [UInt8]
    private let read = Tally()
    var count: Int64 { Int64(bytes.count) }
    var bytesRead: Int { read.total }

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func read(_ range: Range<Int64>) async throws -> [UInt8] {
        _ = read.add(range.count, upTo: .max)
        return Array(bytes[Int(range.lowerBound)..<Int(range.upperBound)])
    }
}

struct ArchiveFormatTests {
    let extractor = ContentExtractor()

    func text(_ name: String, _ format: ContentFormat) async throws -> String {
        try await extractor.text(of: InMemoryBytes(try fixture(name)), format: format).text
    }

    @Test func docxKeepsRunsParagraphsTablesAndFootnotesNotFieldCodes() async throws {
        let docx = try await text("sample.docx", .docx)
        #expect(
            docx
                == "Autumn Leaves\nKey: Gm café & crème\nÜnïcödé 日本語\ncell one\ncell two\nA footnote"
        )
    }

    @Test func xlsxResolvesSharedStringsRowByRow() async throws {
        let xlsx = try await text("sample.xlsx", .xlsx)
        #expect(xlsx == "Title Key\nAutumn Leaves Gm 32\nSecond sheet")
    }

    @Test func pptxReadsSlidesInNumberOrderThenNotes() async throws {
        #expect(try await text("sample.pptx", .pptx) == "Slide one\nSlide two\nSlide ten\nSpeaker notes")
    }

    @Test func openDocumentFormats() async throws {
        #expect(try await text("sample.odt", .odt) == "Autumn Leaves\nKey Gm swing\nsecond\nline")
        let ods = try await text("sample.ods", .ods)
        #expect(ods == "Title Key\nAutumn Leaves Gm")
        #expect(try await text("sample.odp", .odp) == "Slide title\nBullet point")
    }

    @Test func epubFollowsTheSpine() async throws {
        #expect(try await text("sample.epub", .epub) == "Chapter one\nIt was a dark night.\nChapter two\nThe end…")
    }

    @Test func anArchiveFromAStreamIsGatheredFirst() async throws {
        let streamed = try await extractor.text(of: Pieces(bytes: try fixture("sample.docx"), size: 100), format: .docx)
        #expect(streamed.text.hasPrefix("Autumn Leaves\n"))
    }

    @Test func onlyTheDirectoryAndTheTextPartsAreRead() async throws {
        // A large picture in the archive is never read.
        let source = CountingBytes(try fixture("picture.docx"))
        let text = try await extractor.text(of: source, format: .docx).text
        #expect(text.hasPrefix("Autumn Leaves"))
        #expect(source.bytesRead < 100_000)
    }

    @Test func aZipBombIsRefusedBeforeItExpands() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: ExtractionFailure.self) {
            do {
                _ = try await text("bomb.docx", .docx)
            } catch let failure as ExtractionFailure {
                #expect(failure.reason == .tooLarge)
                throw failure
            }
        }
        #expect(clock.now - start < .seconds(1))
    }

    @Test func anEntryExpandingBeyondItsHeaderStopsThere() async throws {
        await expectFailure(.tooLarge) { try await text("lying.docx", .docx) }
    }

    @Test func hostileArchivesFailWithTheirReason() async throws {
        await expectFailure(.encrypted) { try await text("encrypted.docx", .docx) }
        await expectFailure(.corrupt) { try await text("malformed.docx", .docx) }
        await expectFailure(.corrupt) { try await text("truncated.docx", .docx) }
        await expectFailure(.corrupt) { try await text("sample.rtf", .docx) }
        var few = ExtractionLimits()
        few.archiveEntries = 2
        await expectFailure(.tooLarge) {
            try await ContentExtractor(limits: few).text(of: InMemoryBytes(try fixture("sample.pptx")), format: .pptx)
        }
    }

    @Test func theTextLimitCutsAndSaysSo() async throws {
        var small = ExtractionLimits()
        small.textBytes = 20
        let cut = try await ContentExtractor(limits: small).text(
            of: InMemoryBytes(try fixture("sample.docx")),
            format: .docx
        )
        #expect(cut.truncated)
        #expect(cut.text.utf8.count <= 20)
        #expect(cut.text.hasPrefix("Autumn Leaves"))
    }
}

struct StreamedFormatTests {
    let extractor = ContentExtractor()

    func text(_ source: String, _ format: ContentFormat, pieces: Int = 7) async throws -> ExtractedText {
        try await extractor.text(of: Pieces(bytes: Array(source.utf8), size: pieces), format: format)
    }

    @Test func plainTextKeepsLinesAcrossPiecesAndCharacters() async throws {
        let source = "Autumn Leaves\r\n\n  Gm   swing\ncafé 日本語 🎵"
        for size in [1, 2, 3, 5, 4096] {
            #expect(try await text(source, .plainText, pieces: size).text == "Autumn Leaves\nGm swing\ncafé 日本語 🎵")
        }
    }

    @Test func latin1AndUTF16AreDecoded() async throws {
        let latin1: [UInt8] = Array("caf".utf8) + [0xE9, 0x20, 0x80]
        #expect(try await extractor.text(of: Pieces(bytes: latin1, size: 2), format: .plainText).text == "café €")
        let utf16: [UInt8] = [0xFF, 0xFE] + "Gm 🎵".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        for size in [1, 3, 64] {
            #expect(try await extractor.text(of: Pieces(bytes: utf16, size: size), format: .plainText).text == "Gm 🎵")
        }
    }

    @Test func xmlKeepsElementTextAndCDATA() async throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE song [ <!ENTITY lol "lol"> ]>
            <song key="Gm"><!-- comment --><title>Autumn &amp; Leaves</title>
            <notes><![CDATA[<not a tag> & raw]]></notes><empty/><a href='x>y'>&lol;</a></song>
            """
        #expect(try await text(xml, .xml).text == "Autumn & Leaves\n<not a tag> & raw\n&lol;")
    }

    @Test func malformedXMLIsCorrupt() async throws {
        await expectFailure(.corrupt) { try await text("<a><b>text</a>", .xml) }
        await expectFailure(.corrupt) { try await text("<a><b>never closed", .xml) }
        await expectFailure(.tooLarge) { try await text(String(repeating: "<a>", count: 1000), .xml) }
    }

    @Test func rtfKeepsTextNotTablesOrPictures() async throws {
        let rtf = String(decoding: try fixture("sample.rtf"), as: UTF8.self)
        #expect(try await text(rtf, .rtf).text == "Autumn Leaves\nKey: Gm café €10\nlink text\n日本語")
        await expectFailure(.corrupt) { try await text("{\\rtf1 never closed", .rtf) }
        await expectFailure(.corrupt) { try await text("plain", .rtf) }
    }

    @Test func htmlCSVAndJSONThroughTheExtractor() async throws {
        #expect(try await text("<p>Autumn<script>x</script> <b>Leaves</b></p>", .html).text == "Autumn Leaves")
        #expect(try await text("a,\"b,c\"\n1,2", .csv).text == "a b,c\n1 2")
        #expect(try await text("a\tb\n1\t2", .tsv).text == "a b\n1 2")
        #expect(try await text(#"{"k": "Gm"}"#, .json).text == "Gm")
    }

    @Test func formatsAreKnownByTypeThenExtension() {
        #expect(ContentFormat(mimeType: "text/html; charset=utf-8", name: "x") == .html)
        #expect(ContentFormat(mimeType: "application/octet-stream", name: "Notes.MD") == .markdown)
        #expect(ContentFormat(mimeType: "text/x-c", name: "main.c") == .plainText)
        #expect(ContentFormat(mimeType: "image/png", name: "a.png") == nil)
    }

    @Test func aGibibyteTextStreamIsReadOnlyAsFarAsTheTextLimit() async throws {
        // 1 GiB offered in 64 KiB pieces; with the default limits reading stops after 10 MiB of text, so
        // what is held never grows with the file (Benchmarks/README.md has the peak RSS).
        let piece: [UInt8] = Array(repeating: Array("autumn leaves ".utf8), count: 4681).flatMap { $0 } + [10]
        let offered = Tally()
        let gibibyte = AsyncStream<[UInt8]> {
            offered.add(piece.count, upTo: 1 << 30) ? piece : nil
        }
        let result = try await ContentExtractor().text(of: gibibyte, format: .plainText)
        #expect(result.truncated)
        #expect(result.text.utf8.count <= ExtractionLimits().textBytes)
        #expect(offered.total <= ExtractionLimits().textBytes + 2 * piece.count)
    }

    @Test func aHugeTextFileIsReadOnlyUpToTheLimit() async throws {
        var small = ExtractionLimits()
        small.textBytes = 1000
        let produced = Tally()
        let endless = AsyncStream<[UInt8]> {
            produced.add(1, upTo: .max) ? Array(repeating: UInt8(ascii: "a"), count: 100) + [UInt8(ascii: "\n")] : nil
        }
        let result = try await ContentExtractor(limits: small).text(of: endless, format: .plainText)
        #expect(result.truncated)
        #expect(result.text.utf8.count <= 1000)
        #expect(produced.total < 60)
    }
}

func expectFailure(
    _ reason: ExtractionFailure.Reason,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> some Any
) async {
    do {
        _ = try await body()
        Issue.record("expected \(reason), got text", sourceLocation: sourceLocation)
    } catch let failure as ExtractionFailure {
        #expect(failure.reason == reason, "\(failure)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(reason), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Archives with random bytes changed: each extraction returns text or an `ExtractionFailure`, never traps
/// or hangs (what a damaged or hostile upload looks like to the inflater and the ZIP reader).
struct ArchiveFuzzTests {
    @Test func damagedArchivesFailCleanly() async throws {
        var random = SplitMix64(seed: 16)
        for (name, format) in [("sample.docx", ContentFormat.docx), ("sample.xlsx", .xlsx), ("sample.epub", .epub)] {
            let original = try fixture(name)
            for _ in 0..<300 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...8, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                do {
                    _ = try await ContentExtractor().text(of: InMemoryBytes(bytes), format: format)
                } catch is ExtractionFailure {
                    continue
                }
            }
        }
    }
}

struct FilenamePatternTests {
    @Test func fieldsComeFromTheName() throws {
        let pattern = try FilenamePattern("{title} - {key} ({type}).pdf")
        #expect(pattern.fieldNames == ["title", "key", "type"])
        #expect(
            pattern.fields(of: "Autumn Leaves - Gm (lead sheet).pdf")
                == ["title": "Autumn Leaves", "key": "Gm", "type": "lead sheet"]
        )
        #expect(
            pattern.fields(of: "Take Five - Live - Ebm (chart).PDF")
                == ["title": "Take Five - Live", "key": "Ebm", "type": "chart"],
            "earlier fields take what they can; literals ignore case"
        )
        #expect(pattern.fields(of: "Autumn Leaves.pdf") == nil)
        #expect(pattern.fields(of: " - Gm (x).pdf") == nil, "a field is never empty")
    }

    @Test func badPatternsSayWhy() {
        for bad in ["no fields", "{open", "{a}{b}", "{bad name}"] {
            #expect(throws: FilenamePatternError.self, "\(bad)") { try FilenamePattern(bad) }
        }
    }

    @Test func aHostileNameTakesPolynomialTime() throws {
        let pattern = try FilenamePattern("{a}-{b}-{c}-{d}-{e}-{f}.x")
        #expect(pattern.fields(of: String(repeating: "-", count: 200) + ".y") == nil)
    }

    @Test func typeFilters() {
        let filter = ContentTypeFilter("application/pdf, image/*, docx")
        #expect(filter.matches(mimeType: "application/pdf", name: "a"))
        #expect(filter.matches(mimeType: "image/png", name: "a.png"))
        #expect(filter.matches(mimeType: "application/octet-stream", name: "a.docx"))
        #expect(!filter.matches(mimeType: "text/plain", name: "a.txt"))
        #expect(ContentTypeFilter("").matches(mimeType: "text/plain", name: "a.txt"))
    }
}
