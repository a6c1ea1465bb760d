import NIOCore

/// Writes a ZIP archive of stored (uncompressed) entries: enough for OOXML, OpenDocument and EPUB
/// containers, which require a valid ZIP, not a compressed one.
struct ZipArchive {
    private var body = ByteBuffer()
    private var directory = ByteBuffer()
    private var count: UInt16 = 0

    mutating func add(_ name: String, _ text: String) { add(name, Array(text.utf8)) }

    mutating func add(_ name: String, _ data: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let crc = Self.crc32(data)
        let offset = UInt32(body.writerIndex)
        // Local file header.
        body.writeInteger(UInt32(0x0403_4B50), endianness: .little)
        writeCommon(into: &body, crc: crc, size: UInt32(data.count), nameLength: UInt16(nameBytes.count))
        body.writeBytes(nameBytes)
        body.writeBytes(data)
        // Central directory entry.
        directory.writeInteger(UInt32(0x0201_4B50), endianness: .little)
        directory.writeInteger(UInt16(20), endianness: .little)  // made by
        writeCommon(into: &directory, crc: crc, size: UInt32(data.count), nameLength: UInt16(nameBytes.count))
        directory.writeInteger(UInt16(0), endianness: .little)  // comment length
        directory.writeInteger(UInt16(0), endianness: .little)  // disk number
        directory.writeInteger(UInt16(0), endianness: .little)  // internal attributes
        directory.writeInteger(UInt32(0), endianness: .little)  // external attributes
        directory.writeInteger(offset, endianness: .little)
        directory.writeBytes(nameBytes)
        count += 1
    }

    /// Version, flags (UTF-8 names), method 0, a fixed 1980 timestamp, CRC, sizes, name and extra lengths.
    private func writeCommon(into buffer: inout ByteBuffer, crc: UInt32, size: UInt32, nameLength: UInt16) {
        buffer.writeInteger(UInt16(20), endianness: .little)
        buffer.writeInteger(UInt16(0x0800), endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little)
        buffer.writeInteger(UInt16(0x21), endianness: .little)
        buffer.writeInteger(crc, endianness: .little)
        buffer.writeInteger(size, endianness: .little)
        buffer.writeInteger(size, endianness: .little)
        buffer.writeInteger(nameLength, endianness: .little)
        buffer.writeInteger(UInt16(0), endianness: .little)
    }

    func finish() -> ByteBuffer {
        var output = body
        let directoryOffset = UInt32(output.writerIndex)
        output.writeImmutableBuffer(directory)
        output.writeInteger(UInt32(0x0605_4B50), endianness: .little)
        output.writeInteger(UInt16(0), endianness: .little)
        output.writeInteger(UInt16(0), endianness: .little)
        output.writeInteger(count, endianness: .little)
        output.writeInteger(count, endianness: .little)
        output.writeInteger(UInt32(directory.readableBytes), endianness: .little)
        output.writeInteger(directoryOffset, endianness: .little)
        output.writeInteger(UInt16(0), endianness: .little)
        return output
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// A one-font PDF with the text laid out in lines, 50 lines a page, offsets computed exactly.
enum PDFDocument {
    static func render(lines: [String], title: String) -> ByteBuffer {
        let pages = stride(from: 0, to: max(lines.count, 1), by: 50).map {
            Array(lines[$0..<min($0 + 50, lines.count)])
        }
        var objects: [String] = []
        // 1: catalog, 2: pages, 3: font, 4: info, then a page and its content stream per page.
        let pageIds = pages.indices.map { 5 + $0 * 2 }
        objects.append("<< /Type /Catalog /Pages 2 0 R >>")
        objects.append(
            "<< /Type /Pages /Kids [\(pageIds.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>"
        )
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        objects.append("<< /Title (\(escape(title))) /Producer (DriveSync emulator) >>")
        for (index, page) in pages.enumerated() {
            objects.append(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents \(pageIds[index] + 1) 0 R >>"
            )
            var stream = "BT /F1 11 Tf 14 TL 56 740 Td\n"
            for line in page { stream += "(\(escape(line))) Tj T*\n" }
            stream += "ET"
            objects.append("<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream")
        }
        var output = "%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(output.utf8.count)
            output += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = output.utf8.count
        output += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            output += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        output += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R /Info 4 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return ByteBuffer(string: output)
    }

    /// PDF literal strings: escape delimiters; Helvetica's WinAnsi covers ASCII, others become `?`.
    private static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "(", ")": result += "\\" + String(scalar)
            default: result += scalar.isASCII && scalar.value >= 0x20 ? String(scalar) : "?"
            }
        }
        return result
    }
}

/// A white PNG (stored deflate blocks, no compression): what a drawing's bitmap export is here.
enum PNGImage {
    static func blank(width: Int, height: Int) -> ByteBuffer {
        var raw: [UInt8] = []
        for _ in 0..<height { raw += [0] + [UInt8](repeating: 0xFF, count: width * 3) }  // filter 0, RGB
        var deflate: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, raw.count - offset)
            let last: UInt8 = offset + length == raw.count ? 1 : 0
            deflate += [
                last, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF),
            ]
            deflate += raw[offset..<(offset + length)]
            offset += length
        } while offset < raw.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in raw {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        deflate += bigEndian((b << 16) | a)
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0])
        png += chunk("IDAT", deflate)
        png += chunk("IEND", [])
        return ByteBuffer(bytes: png)
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(ZipArchive.crc32(body))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
