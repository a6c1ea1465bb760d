import DriveSyncCore
import NIOCore
import Testing

struct MultipartParserTests {
    static let lf =
        "--XYZ\nContent-Type: application/json\n\n{\"name\":\"a\"}\n--XYZ\nContent-Type: text/plain\n\nhello\nworld\n--XYZ--\n"

    func parse(_ text: String, chunk: Int) throws -> [MultipartParser.Event] {
        var parser = MultipartParser(boundary: "XYZ")
        var events: [MultipartParser.Event] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            events += try parser.feed(ByteBuffer(bytes: bytes[index..<min(bytes.count, index + chunk)]))
            index += chunk
        }
        return events + (try parser.finish())
    }

    func summary(_ events: [MultipartParser.Event]) -> [String] {
        var parts: [String] = []
        var current = ""
        for event in events {
            switch event {
            case .headers(let headers): current = (headers["content-type"] ?? "") + "|"
            case .body(let buffer): current += String(buffer: buffer)
            case .partEnd: parts.append(current)
            case .end: parts.append("END")
            }
        }
        return parts
    }

    @Test(arguments: [1, 3, 7, 1000])
    func parsesLFAndCRLFInAnyChunking(chunk: Int) throws {
        let expected = ["application/json|{\"name\":\"a\"}", "text/plain|hello\nworld", "END"]
        #expect(summary(try parse(Self.lf, chunk: chunk)) == expected)
        let crlf = Self.lf.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(
            summary(try parse(crlf, chunk: chunk)) == expected.map { $0.replacingOccurrences(of: "\n", with: "\r\n") }
        )
    }

    @Test func readsQuotedBoundary() {
        #expect(MultipartParser.boundary(fromContentType: #"multipart/related; boundary="===15==""#) == "===15==")
        #expect(MultipartParser.boundary(fromContentType: "multipart/mixed; boundary=batch_foo") == "batch_foo")
    }

    @Test func rejectsTruncatedBody() {
        #expect(throws: MultipartParser.MalformedBody.self) { try parse("--XYZ\nContent-Type: a\n\nhalf", chunk: 100) }
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

struct HTTPMessageTests {
    @Test func splitsAtTheFirstBlankLineLFOrCRLF() {
        let lf = HTTPMessage.split(Array("GET /x HTTP/1.1\nA: b\n\n{\"k\":1}\n\nmore".utf8))
        #expect(String(decoding: lf.head, as: UTF8.self) == "GET /x HTTP/1.1\nA: b")
        #expect(String(decoding: lf.body, as: UTF8.self) == "{\"k\":1}\n\nmore")
        let crlf = HTTPMessage.split(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8))
        #expect(String(decoding: crlf.head, as: UTF8.self) == "HTTP/1.1 204 No Content\r")
        #expect(crlf.body.isEmpty)
        let noBlank = HTTPMessage.split(Array("GET / HTTP/1.1".utf8))
        #expect(noBlank.head.count == 14 && noBlank.body.isEmpty)
    }
}
