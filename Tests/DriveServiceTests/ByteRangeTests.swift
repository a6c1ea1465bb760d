import Testing

@testable import DriveService

struct ByteRangeTests {
    @Test(
        arguments: [
            (nil, 10, ByteRange.whole),
            ("bytes=0-0", 10, .partial(0..<1)),
            ("bytes=9-9", 10, .partial(9..<10)),
            ("bytes=9-", 10, .partial(9..<10)),
            ("bytes=2-100", 10, .partial(2..<10)),
            ("bytes=-4", 10, .partial(6..<10)),
            ("bytes=-40", 10, .partial(0..<10)),
            ("bytes=-0", 10, .unsatisfiable),
            ("bytes=10-", 10, .unsatisfiable),
            ("bytes=0-", 0, .unsatisfiable),
            ("bytes=-1", 0, .unsatisfiable),
            ("bytes=0-1, 3-4", 10, .several),
            ("bytes=5-1", 10, .whole),
            ("bytes=a-b", 10, .whole),
            ("bytes=", 10, .whole),
            ("bytes=-", 10, .whole),
            ("lines=1-2", 10, .whole),
            ("bytes= 1-2 ", 10, .partial(1..<3)),
        ] as [(String?, Int64, ByteRange)]
    )
    func resolves(header: String?, size: Int64, expected: ByteRange) {
        #expect(ByteRange(header: header, size: size) == expected)
    }

    @Test func contentDispositionKeepsAnyNameAndAnASCIIFallback() {
        #expect(
            ContentDisposition.attachment(filename: "a.txt") == #"attachment; filename="a.txt"; filename*=UTF-8''a.txt"#
        )
        let value = ContentDisposition.attachment(filename: "Grüße \"x\".pdf")
        #expect(
            value.hasPrefix(#"attachment; filename="Gr__e _x_.pdf"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22x%22.pdf"#)
        )
    }
}
