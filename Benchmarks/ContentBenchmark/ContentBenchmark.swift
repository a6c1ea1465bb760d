import ContentExtraction
import ContentIndex
import DriveAPI
import DriveSyncKit
import Foundation
import Logging
import NIOCore
import SQLDatabase
import Synchronization

/// Figures for the content pipeline and index (Benchmarks/README.md):
///   index: files indexed per second by `DriveSync.index` from the embedded drive (small text, or docx);
///   query: latency percentiles over generated documents, simple and filtered, on SQLite or PostgreSQL;
///   memory: peak RSS while extracting a generated stream of text or XML (1 GiB by default).
/// ContentBenchmark index --kind text|docx [--files N]
/// ContentBenchmark query --database sqlite|URL [--documents N] [--queries N]
/// ContentBenchmark memory --kind text|xml [--mebibytes N]
@main
struct ContentBenchmark {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first, ["index", "query", "memory"].contains(mode) else {
            print("usage: ContentBenchmark index|query|memory [options]; see Benchmarks/content.sh")
            exit(64)
        }
        arguments.removeFirst()
        func option(_ name: String, _ fallback: String) -> String {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return arguments[index + 1]
        }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("content-bench-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: home) }
        switch mode {
        case "index":
            try await index(kind: option("--kind", "text"), files: Int(option("--files", "500")) ?? 500, home: home)
        case "query":
            try await query(
                database: option("--database", "sqlite"),
                documents: Int(option("--documents", "100000")) ?? 100_000,
                queries: Int(option("--queries", "200")) ?? 200,
                home: home
            )
        default:
            try await memory(kind: option("--kind", "text"), mebibytes: Int(option("--mebibytes", "1024")) ?? 1024)
        }
    }

    // MARK: index

    static func index(kind: String, files: Int, home: String) async throws {
        var logger = Logger(label: "content-bench")
        logger.logLevel = .error
        let driveSync = DriveSync(configuration: Configuration(), home: home, logger: logger)
        try await driveSync.withDrive(account: nil) { connection in
            let client = connection.client
            let folder = try await client.createFolder(named: "Bench", in: "root")
            var sample = ByteBuffer()
            if kind == "docx" {
                // A real docx: the embedded drive's export of a Google document of about 2 KB of text.
                let source = try await client.upload(
                    ByteBuffer(
                        string: (0..<40).map { "Paragraph \($0): \(words(12, seed: $0))" }.joined(separator: "\n")
                    ),
                    metadata: File(name: "source", mimeType: "application/vnd.google-apps.document", parents: ["root"])
                )
                for try await chunk in client.export(fileId: source.id!, mimeType: ContentIndexingTypes.docx) {
                    sample.writeImmutableBuffer(chunk)
                }
            }
            let docx = sample
            await forEachConcurrently(0..<files, limit: 8) { number in
                let content = kind == "docx" ? docx : ByteBuffer(string: words(150, seed: number))
                _ = try? await client.upload(
                    content,
                    metadata: File(
                        name: "file-\(number).\(kind == "docx" ? "docx" : "txt")",
                        mimeType: kind == "docx" ? ContentIndexingTypes.docx : "text/plain",
                        parents: [folder.id!]
                    )
                )
            } absorb: { _ in
            }
        }
        let start = ContinuousClock.now
        let report = try await driveSync.index(["drive:Bench"])
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "index \(kind): \(report.indexed) files (\(report.failed) failed) in \(String(format: "%.2f", seconds)) s = \(String(format: "%.0f", Double(report.indexed) / seconds)) files/s, peak RSS \(peakRSS()) MiB"
        )
    }

    // MARK: query

    static func query(database: String, documents: Int, queries: Int, home: String) async throws {
        var logger = Logger(label: "content-bench")
        logger.logLevel = .error
        let location = try DatabaseLocation(
            parsing: database,
            home: home,
            environment: ProcessInfo.processInfo.environment
        )
        let backend = try await location.connect(logger: logger)
        let store = ContentIndexStore(backend: backend)
        try await store.migrate()
        let start = ContinuousClock.now
        let formats = ["text", "pdf", "docx", "markdown"]
        for batch in stride(from: 0, to: documents, by: 500) {
            try await store.put(
                (batch..<min(batch + 500, documents)).map { number in
                    IndexedDocument(
                        account: number % 10 == 0 ? "work" : "me",
                        fileID: "file-\(number)",
                        path: "Folder\(number % 50)/Sub\(number % 7)/doc-\(number) \(words(3, seed: number * 7)).txt",
                        name: "doc-\(number) \(words(3, seed: number * 7)).txt",
                        mimeType: "text/plain",
                        format: formats[number % formats.count],
                        md5: "\(number)",
                        modified: Date(timeIntervalSince1970: 1_750_000_000 + Double(number) * 300),
                        text: words(200, seed: number),
                        fields: number % 4 == 0 ? ["key": ["Gm", "Am", "C", "Eb"][number % 16 / 4]] : [:]
                    )
                }
            )
        }
        let loaded = ContinuousClock.now - start
        print("query \(location.description): \(documents) documents loaded in \(loaded)")
        let cases: [(String, (Int) -> String)] = [
            ("one word", { vocabulary[($0 * 37) % 400] }),
            ("two words", { "\(vocabulary[($0 * 37) % 400]) \(vocabulary[($0 * 11) % 1000])" }),
            ("phrase", { "\"\(words(2, seed: $0 * 13))\"" }),
            ("prefix", { String(vocabulary[($0 * 37) % 400].prefix(3)) + "*" }),
            ("word + type + folder", { "\(vocabulary[($0 * 37) % 400]) type:pdf folder:Folder\($0 % 50)" }),
            ("word + field + modified", { "\(vocabulary[($0 * 37) % 400]) key:Gm modified:>2025-09-01" }),
        ]
        for (name, make) in cases {
            var latencies: [Duration] = []
            var found = 0
            for number in 0..<queries {
                let parsed = try SearchQuery(parsing: make(number))
                let before = ContinuousClock.now
                found += try await store.search(parsed, limit: 20).count
                latencies.append(ContinuousClock.now - before)
            }
            latencies.sort()
            func percentile(_ p: Double) -> String {
                let value = latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
                return String(
                    format: "%.1f ms",
                    Double(value.components.attoseconds) / 1e15 + Double(value.components.seconds) * 1000
                )
            }
            print(
                "  \(name): p50 \(percentile(0.5)), p95 \(percentile(0.95)) (\(queries) queries, \(found / max(1, queries)) results each on average)"
            )
        }
        await backend.close()
    }

    // MARK: memory

    static func memory(kind: String, mebibytes: Int) async throws {
        let chunk: [UInt8]
        if kind == "xml" {
            // Mostly markup, as a large spreadsheet's sheet is: empty cells, a value now and then, so the whole
            // stream is read (its text stays under the text limit).
            chunk = Array(
                ((0..<400).map { "<row r=\"\($0)\"><c r=\"A\($0)\" s=\"3\"/><c r=\"B\($0)\" s=\"4\"/></row>\n" }
                    .joined()
                    + "<row><c><is><t>value</t></is></c></row>\n").utf8
            )
        } else {
            chunk = Array(words(10_000, seed: 1).utf8)
        }
        // Whole chunks, so the XML's elements all close.
        let total = (Int64(mebibytes) << 20) / Int64(chunk.count) * Int64(chunk.count)
        let read = Counter()
        let body = GeneratedBytes(
            chunk: chunk,
            total: total,
            prefix: kind == "xml" ? Array("<sheet>".utf8) : [],
            suffix: kind == "xml" ? Array("</sheet>".utf8) : [],
            read: read
        )
        let before = peakRSS()
        let start = ContinuousClock.now
        // The default limits: a plain-text read stops once 10 MiB of text is kept.
        let result = try await ContentExtractor().text(of: body, format: kind == "xml" ? .xml : .plainText)
        let elapsed = ContinuousClock.now - start
        print(
            "memory \(kind): \(read.value >> 20) of \(mebibytes) MiB read in \(elapsed), text kept \(result.text.utf8.count >> 20) MiB (cut: \(result.truncated)), peak RSS \(before) → \(peakRSS()) MiB"
        )
    }

    /// Bytes handed out so far, read after the stream ends.
    final class Counter: Sendable {
        private let bytes = Mutex<Int64>(0)
        var value: Int64 {
            get { bytes.withLock { $0 } }
            set { bytes.withLock { $0 = newValue } }
        }
    }

    /// `total` bytes made of `chunk` repeated, 64 KiB pieces at a time, never all in memory.
    struct GeneratedBytes: AsyncSequence {
        let chunk: [UInt8]
        let total: Int64
        let prefix: [UInt8]
        let suffix: [UInt8]
        let read: Counter

        struct AsyncIterator: AsyncIteratorProtocol {
            let source: GeneratedBytes
            var sent: Int64 = 0
            var offset = 0
            var prefixSent = false
            var suffixSent = false

            mutating func next() async -> [UInt8]? {
                if !prefixSent {
                    prefixSent = true
                    if !source.prefix.isEmpty { return source.prefix }
                }
                guard sent < source.total else {
                    if suffixSent || source.suffix.isEmpty { return nil }
                    suffixSent = true
                    return source.suffix
                }
                var piece: [UInt8] = []
                piece.reserveCapacity(1 << 16)
                while piece.count < 1 << 16, sent < source.total {
                    let take = Swift.min(source.chunk.count - offset, 1 << 16 - piece.count, Int(source.total - sent))
                    piece += source.chunk[offset..<(offset + take)]
                    offset = (offset + take) % source.chunk.count
                    sent += Int64(take)
                }
                source.read.value = sent
                return piece
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
    }

    // MARK: helpers

    /// A vocabulary of made-up words, common ones first.
    static let vocabulary: [String] = {
        var random = SplitMix64(seed: 42)
        let syllables = ["ka", "lo", "mi", "ra", "te", "su", "no", "vi", "de", "po", "shi", "an", "el", "or", "us"]
        return (0..<5000).map { _ in
            (0..<Int.random(in: 2...4, using: &random)).map { _ in syllables.randomElement(using: &random)! }.joined()
        }
    }()

    /// `count` words, Zipf-like (common words far more often), the same for the same seed.
    static func words(_ count: Int, seed: Int) -> String {
        var random = SplitMix64(seed: UInt64(seed) &+ 1)
        return (0..<count).map { _ in
            let rank = Int(pow(Double.random(in: 0..<1, using: &random), 3) * Double(vocabulary.count))
            return vocabulary[min(rank, vocabulary.count - 1)]
        }.joined(separator: " ")
    }

    /// The process's peak resident set, in MiB (`VmHWM`).
    static func peakRSS() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }
}

enum ContentIndexingTypes {
    static let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
}
