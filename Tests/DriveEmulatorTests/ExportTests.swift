import DriveEmulator
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Checks a ZIP with Python's independent `zipfile` (CRCs, directory) and lists its members.
func zipMembers(_ buffer: ByteBuffer) throws -> [String] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).zip")
    defer { try? FileManager.default.removeItem(at: path) }
    try Data(buffer.readableBytesView).write(to: path)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", "-c",
        "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint('\\n'.join(z.namelist()))",
        path.path,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "python zipfile rejected the archive")
    return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
}

/// Every xref offset must point at its `N 0 obj`, and the trailer at the xref table.
func checkPDF(_ buffer: ByteBuffer) throws {
    let bytes = Array(buffer.readableBytesView)
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.hasPrefix("%PDF-1.4"))
    #expect(text.hasSuffix("%%EOF\n"))
    let startxref = try #require(
        text.components(separatedBy: "startxref\n").last?.split(separator: "\n").first.flatMap { Int($0) }
    )
    #expect(String(decoding: bytes[startxref..<startxref + 4], as: UTF8.self) == "xref")
    let entries = text[text.range(of: "xref\n")!.upperBound...].split(separator: "\n").dropFirst(2).prefix {
        $0.hasSuffix(" n ")
    }
    for (index, entry) in entries.enumerated() {
        let offset = try #require(Int(entry.prefix(10)))
        #expect(
            String(decoding: bytes[offset..<offset + "\(index + 1) 0 obj".utf8.count], as: UTF8.self)
                == "\(index + 1) 0 obj"
        )
    }
}

struct ExportTests {
    static let expectedMembers: [String: String] = [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/document.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/worksheets/sheet1.xml",
        "application/vnd.oasis.opendocument.text": "content.xml",
        "application/vnd.oasis.opendocument.spreadsheet": "content.xml",
        "application/x-vnd.oasis.opendocument.spreadsheet": "content.xml",
        "application/vnd.oasis.opendocument.presentation": "content.xml",
        "application/epub+zip": "OEBPS/text.xhtml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": "ppt/slides/slide2.xml",
    ]

    @Test func everyAdvertisedFormatIsAValidFile() async throws {
        try await withRunningEmulator { drive in
            let about = try json(try await drive.send(.GET, "/drive/v3/about?fields=exportFormats"))
            let formats = try #require(about["exportFormats"] as? [String: [String]])
            #expect(
                formats.keys.sorted() == [
                    "application/vnd.google-apps.document", "application/vnd.google-apps.drawing",
                    "application/vnd.google-apps.presentation",
                    "application/vnd.google-apps.spreadsheet",
                ]
            )
            let samples = [
                "application/vnd.google-apps.document": ("text/plain", "Title & <intro>\nSecond (line)"),
                "application/vnd.google-apps.spreadsheet": ("text/csv", "name,count\napples,3"),
                "application/vnd.google-apps.presentation": ("text/plain", "Slide one\n---\nSlide two"),
            ]
            for (source, targets) in formats {
                // Nothing converts into a drawing: it is made empty, from metadata.
                let metadata = "{\"name\":\"Doc\",\"mimeType\":\"\(source)\"}"
                let created: [String: Any]
                if let (mediaType, content) = samples[source] {
                    created = try json(
                        try await drive.send(
                            .POST,
                            "/upload/drive/v3/files?uploadType=multipart&fields=id",
                            headers: [("Content-Type", "multipart/related; boundary=B")],
                            body: ByteBuffer(
                                string:
                                    "--B\r\nContent-Type: application/json\r\n\r\n\(metadata)\r\n--B\r\nContent-Type: \(mediaType)\r\n\r\n\(content)\r\n--B--\r\n"
                            )
                        )
                    )
                } else {
                    created = try json(
                        try await drive.send(
                            .POST,
                            "/drive/v3/files?fields=id",
                            headers: [("Content-Type", "application/json")],
                            body: ByteBuffer(string: metadata)
                        )
                    )
                }
                let id = try #require(created["id"] as? String)
                for target in targets {
                    let reply = try await drive.send(
                        .GET,
                        "/drive/v3/files/\(id)/export?mimeType=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                    )
                    #expect(reply.status == 200, "\(source) → \(target)")
                    #expect(reply.header("Content-Type") == target)
                    if let member = Self.expectedMembers[target] {
                        #expect(try zipMembers(reply.body).contains(member), "\(target)")
                    } else if target == "application/zip" {
                        #expect(try zipMembers(reply.body) == ["Doc.html"])
                    } else if target == "application/pdf" {
                        try checkPDF(reply.body)
                    } else if target == "image/png" {
                        #expect(
                            Array(reply.body.readableBytesView.prefix(8)) == [
                                0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,
                            ]
                        )
                    } else if target == "image/svg+xml" {
                        #expect(String(buffer: reply.body).contains("<svg"))
                    } else {
                        #expect(reply.body.readableBytes > 0)
                    }
                }
            }
        }
    }
}
