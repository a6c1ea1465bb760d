import AsyncHTTPClient
import DriveAPI
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import NIOCore
import Testing

/// `DriveSync.index` and `search` against the emulator: every format from real files (the emulator's own
/// exports of Docs, Sheets and Slides among them), re-indexing by revision, removals, and hostile files.
struct ContentIndexingTests {
    static let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    func fixture(_ name: String) throws -> ByteBuffer {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ContentExtractionTests/Fixtures/\(name)")
        return ByteBuffer(bytes: try Data(contentsOf: path))
    }

    func collect(_ stream: DownloadStream) async throws -> ByteBuffer {
        var all = ByteBuffer()
        for try await chunk in stream { all.writeImmutableBuffer(chunk) }
        return all
    }

    @Test func everyFormatIsIndexedAndSearchable() async throws {
        try await withRunningEmulator { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("index-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: home) }
            let driveSync = ChannelUpkeepTests.driveSync(emulator, home: home, publicURL: nil)
            let drive = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(emulator.token),
                configuration: .init(baseURL: emulator.baseURL)
            )
            let charts = try await drive.createFolder(named: "Charts", in: "root")
            func upload(_ name: String, _ content: ByteBuffer, type: String) async throws -> File {
                try await drive.upload(content, metadata: File(name: name, mimeType: type, parents: [charts.id!]))
            }
            let doc = try await upload(
                "Setlist",
                ByteBuffer(string: "Autumn Leaves in Gm\nBlue Bossa"),
                type: "application/vnd.google-apps.document"
            )
            _ = try await upload(
                "Budget",
                ByteBuffer(string: "item,cost\nsaxophone reeds,42"),
                type: "application/vnd.google-apps.spreadsheet"
            )
            // The emulator's exports are real files of each format.
            for (name, type) in [
                ("exported.docx", Self.docx), ("exported.odt", "application/vnd.oasis.opendocument.text"),
                ("exported.pdf", "application/pdf"),
            ] {
                _ = try await upload(name, try await collect(drive.export(fileId: doc.id!, mimeType: type)), type: type)
            }
            _ = try await upload("deflated.docx", try fixture("sample.docx"), type: Self.docx)
            _ = try await upload(
                "notes.md",
                ByteBuffer(string: "# Practice\nSlow *ballads* daily."),
                type: "text/markdown"
            )
            _ = try await upload("bomb.docx", try fixture("bomb.docx"), type: Self.docx)
            _ = try await upload("picture.png", ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47]), type: "image/png")
            var pdf = try await collect(drive.export(fileId: doc.id!, mimeType: "application/pdf"))
            _ = try await upload(
                "truncated.pdf",
                pdf.readSlice(length: pdf.readableBytes / 3)!,
                type: "application/pdf"
            )
            _ = try await upload("plain.pdf", try fixture("plain.pdf"), type: "application/pdf")
            _ = try await upload("encrypted.pdf", try fixture("encrypted.pdf"), type: "application/pdf")

            let report = try await driveSync.index(["emu:Charts"])
            #expect(report.indexed == 8, "\(report)")
            #expect(
                report.failures == ["too_large": 1, "unsupported": 1, "corrupt": 1, "encrypted": 1],
                "\(report)"
            )

            func paths(_ query: String) async throws -> Set<String> {
                Set(try await driveSync.search(query).map(\.path))
            }
            #expect(
                try await paths("\"autumn leaves\"")
                    == [
                        "Charts/Setlist", "Charts/exported.docx", "Charts/exported.odt", "Charts/exported.pdf",
                        "Charts/deflated.docx",
                    ]
            )
            #expect(try await paths("saxophone") == ["Charts/Budget"])
            #expect(try await paths("ballads") == ["Charts/notes.md"])
            #expect(try await paths("bossa type:pdf") == ["Charts/exported.pdf"])
            #expect(try await paths("name:picture") == ["Charts/picture.png"], "a failed file keeps its name")
            #expect(try await paths("secret chart") == ["Charts/plain.pdf"], "the encrypted copy is not read")

            let again = try await driveSync.index(["emu:Charts"])
            #expect(again.indexed == 0 && again.failed == 0 && again.unchanged == 12, "failures are not retried")

            let notes = try #require(try await drive.allFiles(query: .name(is: "notes.md")).first)
            _ = try await drive.upload(
                ByteBuffer(string: "Now: fast bebop heads."),
                metadata: File(),
                replacing: notes.id
            )
            let picture = try #require(try await drive.allFiles(query: .name(is: "picture.png")).first)
            try await drive.deleteFile(picture.id!)
            let edited = try await driveSync.index(["emu:Charts"])
            #expect(edited.indexed == 1 && edited.removed == 1 && edited.unchanged == 10, "\(edited)")
            #expect(try await paths("ballads").isEmpty, "the old content no longer matches")
            #expect(try await paths("bebop") == ["Charts/notes.md"])
            #expect(try await paths("name:picture").isEmpty)

            let summary = try await driveSync.indexSummary()
            #expect(summary.failed == 3 && summary.indexed == 8)
        }
    }

    @Test func badQueriesAndLocalFoldersSayWhatToDo() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("index-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let driveSync = DriveSync(configuration: Configuration(), home: home)
        await #expect(throws: DriveSyncError.self) { try await driveSync.search("\"open") }
        await #expect(throws: DriveSyncError.self) { try await driveSync.index([home]) }
    }
}

/// Filename fields and user processors: fields from names, processors' text and fields added, processors
/// that hang, print garbage or fail recorded as failures, and none of our environment reaching them.
struct ProcessorIndexingTests {
    /// An executable script in `folder`.
    func script(_ folder: String, _ name: String, _ body: String) throws -> String {
        let path = folder + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        return path
    }

    @Test func fieldsAndProcessorsEnrichTheRecord() async throws {
        try await withRunningEmulator { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("fields-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: home) }
            setenv("DRIVESYNC_TEST_CANARY", "must-not-leak", 1)
            var driveSync = ChannelUpkeepTests.driveSync(emulator, home: home, publicURL: nil)
            driveSync.configuration.fields = [
                .init(
                    name: "charts",
                    folder: "Charts",
                    pattern: try FilenamePattern("{title} - {key} ({type}).pdf")
                )
            ]
            // An "OCR" that counts the bytes it was given, and proves its environment is clean.
            let ocr = try script(
                home,
                "ocr",
                #"n=$(wc -c | tr -d ' '); echo "{\"text\": \"scanned words from $n bytes\", \"camera\": \"x100\", \"canary\": \"${DRIVESYNC_TEST_CANARY:-none}\"}""#
            )
            let hang = try script(home, "hang", "exec sleep 30")
            let garbage = try script(home, "garbage", "cat > /dev/null; echo 'this is not json'")
            let failing = try script(home, "failing", "cat > /dev/null; echo 'no model loaded' >&2; exit 3")
            driveSync.configuration.processors = [
                .init(name: "ocr", command: [ocr], types: ContentTypeFilter("image/*")),
                .init(name: "hang", command: [hang], types: ContentTypeFilter("image/gif"), timeout: .seconds(1)),
                .init(name: "garbage", command: [garbage], types: ContentTypeFilter("text/csv")),
                .init(name: "failing", command: [failing], types: ContentTypeFilter("application/json")),
            ]
            let drive = DriveClient(
                httpClient: .shared,
                tokens: FixedAccessToken(emulator.token),
                configuration: .init(baseURL: emulator.baseURL)
            )
            let charts = try await drive.createFolder(named: "Charts", in: "root")
            let jazz = try await drive.createFolder(named: "Jazz", in: charts.id!)
            func upload(_ name: String, _ text: String, type: String, in folder: File = charts) async throws {
                _ = try await drive.upload(
                    ByteBuffer(string: text),
                    metadata: File(name: name, mimeType: type, parents: [folder.id!])
                )
            }
            try await upload(
                "Autumn Leaves - Gm (lead sheet).pdf",
                "not really a pdf",
                type: "application/pdf",
                in: jazz
            )
            try await upload("photo.png", "12345", type: "image/png")
            try await upload("slow.gif", "GIF89a", type: "image/gif")
            try await upload("table.csv", "a,b", type: "text/csv")
            try await upload("data.json", #"{"k": "v"}"#, type: "application/json")

            let report = try await driveSync.index(["emu:Charts"])
            #expect(report.indexed == 1, "\(report)")
            #expect(report.failures == ["corrupt": 3, "timeout": 1], "\(report)")

            let chart = try #require(try await driveSync.search("key:gm").first)
            #expect(chart.fields == ["title": "autumn leaves", "key": "gm", "type": "lead sheet"])
            #expect(chart.path == "Charts/Jazz/Autumn Leaves - Gm (lead sheet).pdf")
            #expect(try await driveSync.search(#"type:"lead sheet" autumn"#).map(\.path) == [chart.path])

            let photo = try #require(try await driveSync.search("scanned").first)
            #expect(photo.path == "Charts/photo.png")
            #expect(photo.snippet.contains("from 5 bytes"), "the content was streamed in: \(photo.snippet)")
            #expect(photo.fields["camera"] == "x100")
            #expect(photo.fields["canary"] == "none", "the processor's environment is clean")

            let summary = try await driveSync.indexSummary()
            #expect(summary.failures == ["corrupt": 3, "timeout": 1])
        }
    }
}
