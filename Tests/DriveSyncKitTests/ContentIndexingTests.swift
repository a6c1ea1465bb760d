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

            let report = try await driveSync.index(["emu:Charts"])
            #expect(report.indexed == 7, "\(report)")
            #expect(report.failures == ["too_large": 1, "unsupported": 1, "corrupt": 1], "\(report)")

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

            let again = try await driveSync.index(["emu:Charts"])
            #expect(again.indexed == 0 && again.failed == 0 && again.unchanged == 10, "failures are not retried")

            let notes = try #require(try await drive.allFiles(query: .name(is: "notes.md")).first)
            _ = try await drive.upload(
                ByteBuffer(string: "Now: fast bebop heads."),
                metadata: File(),
                replacing: notes.id
            )
            let picture = try #require(try await drive.allFiles(query: .name(is: "picture.png")).first)
            try await drive.deleteFile(picture.id!)
            let edited = try await driveSync.index(["emu:Charts"])
            #expect(edited.indexed == 1 && edited.removed == 1 && edited.unchanged == 8, "\(edited)")
            #expect(try await paths("ballads").isEmpty, "the old content no longer matches")
            #expect(try await paths("bebop") == ["Charts/notes.md"])
            #expect(try await paths("name:picture").isEmpty)

            let summary = try await driveSync.indexSummary()
            #expect(summary.failed == 2 && summary.indexed == 7)
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
