/// Extracts a file's text from any async byte sequence or random-access source, within `limits`.
///
/// Plain text, Markdown and XML are read as they arrive and reading stops at the text limit, so memory stays
/// bounded whatever the file's size. HTML, CSV/TSV, JSON and RTF are parsed whole, up to `markupBytes`.
/// ZIP-based formats need random access: from a sequence they are gathered in memory (up to `markupBytes`),
/// from `RandomAccessBytes` only the central directory and the parts holding text are read. PDF is not read
/// here: it takes `pdftotext`, which DriveSyncKit runs.
public struct ContentExtractor: Sendable {
    public var limits: ExtractionLimits

    public init(limits: ExtractionLimits = .init()) {
        self.limits = limits
    }

    public func text<Bytes: AsyncSequence>(
        of bytes: Bytes,
        format: ContentFormat,
        declaredCharset: TextDecoding.Charset? = nil
    ) async throws -> ExtractedText where Bytes.Element: Collection<UInt8> {
        var output = LineCollector(limit: limits.textBytes)
        switch format {
        case .plainText, .markdown:
            var decoder = StreamingDecoder(declared: declaredCharset)
            func take(_ text: String) {
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
                if let first = lines.popFirst() { output.append(first) }
                for line in lines {
                    output.breakLine()
                    output.append(line)
                }
            }
            for try await chunk in bytes {
                take(decoder.decode(chunk))
                if output.isFull { break }
            }
            take(decoder.finish())
        case .xml:
            var decoder = StreamingDecoder(declared: declaredCharset)
            var scanner = XMLScanner(nesting: limits.nesting)
            func handle(_ event: XMLScanner.Event) {
                switch event {
                case .start, .end: output.breakLine()
                case .text(let text): output.append(text)
                }
            }
            for try await chunk in bytes {
                try scanner.feed(decoder.decode(chunk).utf8, handle)
                if output.isFull { break }
            }
            if !output.isFull {
                try scanner.feed(decoder.finish().utf8, handle)
                try scanner.finish(handle)
            }
        case .html, .csv, .tsv, .json, .rtf:
            let (data, cut) = try await gather(bytes, cutting: format != .json && format != .rtf)
            let declared = declaredCharset ?? (format == .html ? HTMLText.declaredCharset(data) : nil)
            let source = TextDecoding.text(data, declared: declared)
            let text: String
            switch format {
            case .html: text = HTMLText.text(source)
            case .csv: text = DelimitedText.text(source)
            case .tsv: text = DelimitedText.text(source, separator: "\t")
            case .json: text = try StructuredText.json(source)
            default: text = try RTFText.text(source, limits: limits)
            }
            for line in text.split(separator: "\n") {
                output.append(line)
                output.breakLine()
            }
            if cut { return ExtractedText(text: output.text, truncated: true) }
        case .docx, .xlsx, .pptx, .odt, .ods, .odp, .epub:
            let (data, _) = try await gather(bytes, cutting: false)
            return try await text(of: InMemoryBytes(data), format: format)
        case .pdf:
            throw ExtractionFailure(.unsupported, "PDF text comes from pdftotext, which this library does not run")
        }
        return ExtractedText(text: output.text, truncated: output.isFull)
    }

    public func text(of source: some RandomAccessBytes, format: ContentFormat) async throws -> ExtractedText {
        guard format.isArchive else { return try await text(of: Chunks(source: source), format: format) }
        var zip = try await ZipReader(source, limits: limits)
        var output = LineCollector(limit: limits.textBytes)
        try await ArchiveText.text(&zip, format: format, into: &output)
        return ExtractedText(text: output.text, truncated: output.isFull)
    }

    /// The whole of a sequence up to `markupBytes`: past that, cut (and said so) or refused.
    private func gather<Bytes: AsyncSequence>(
        _ bytes: Bytes,
        cutting: Bool
    ) async throws -> ([UInt8], cut: Bool) where Bytes.Element: Collection<UInt8> {
        var data: [UInt8] = []
        for try await chunk in bytes {
            if data.count + chunk.count > limits.markupBytes {
                guard cutting else {
                    throw ExtractionFailure(.tooLarge, "more than \(limits.markupBytes) bytes to parse whole")
                }
                data += chunk.prefix(limits.markupBytes - data.count)
                return (data, true)
            }
            data += chunk
        }
        return (data, false)
    }

    /// A random-access source read front to back, a mebibyte at a time.
    struct Chunks<Source: RandomAccessBytes>: AsyncSequence {
        let source: Source

        struct AsyncIterator: AsyncIteratorProtocol {
            let source: Source
            var offset: Int64 = 0

            mutating func next() async throws -> [UInt8]? {
                guard offset < source.count else { return nil }
                let end = Swift.min(source.count, offset + (1 << 20))
                defer { offset = end }
                return try await source.read(offset..<end)
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source) }
    }
}

/// Bytes to text a piece at a time: the charset detected from the first 4 KiB, a character split between
/// pieces held until its end arrives.
struct StreamingDecoder {
    let declared: TextDecoding.Charset?
    private var charset: TextDecoding.Charset?
    private var pending: [UInt8] = []

    init(declared: TextDecoding.Charset?) {
        self.declared = declared
    }

    mutating func decode(_ bytes: some Collection<UInt8>) -> String {
        pending += bytes
        if charset == nil {
            guard pending.count >= 4096 else { return "" }
            let (detected, mark) = TextDecoding.detect(pending.prefix(4096), declared: declared, isPrefix: true)
            charset = detected
            pending.removeFirst(mark)
        }
        let whole = completeLength(as: charset!)
        defer { pending.removeFirst(whole) }
        return TextDecoding.decode(pending.prefix(whole), as: charset!)
    }

    mutating func finish() -> String {
        let (detected, mark) = charset.map { ($0, 0) } ?? TextDecoding.detect(pending, declared: declared)
        defer { pending = [] }
        return TextDecoding.decode(pending.dropFirst(mark), as: detected)
    }

    /// How many of the pending bytes end on a character boundary.
    private func completeLength(as charset: TextDecoding.Charset) -> Int {
        switch charset {
        case .windows1252:
            return pending.count
        case .utf16LittleEndian, .utf16BigEndian:
            var length = pending.count & ~1
            // A high surrogate waits for its low half.
            if length >= 2 {
                let high = charset == .utf16LittleEndian ? pending[length - 1] : pending[length - 2]
                if (0xD8...0xDB).contains(high) { length -= 2 }
            }
            return length
        case .utf8:
            // Back up over continuation bytes to the last lead byte; keep it if its sequence is incomplete.
            var start = pending.count
            while start > 0, pending.count - start < 4, pending[start - 1] & 0xC0 == 0x80 { start -= 1 }
            guard start > 0 else { return pending.count }
            let lead = pending[start - 1]
            let needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            return pending.count - (start - 1) < needed ? start - 1 : pending.count
        }
    }
}
