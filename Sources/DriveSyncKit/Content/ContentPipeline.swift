public import ContentExtraction
public import ContentIndex
public import DriveAPI
public import DriveSyncCore
public import Foundation
import LocalFiles
import Metrics
import NIOCore

/// A Drive file the index should hold, as listed or as the changes feed described it.
public struct IndexableFile: Sendable, Hashable {
    public var account: String
    public var id: String
    public var driveID: String
    /// From the drive's root.
    public var path: String
    public var mimeType: String
    public var md5: String?
    /// `headRevisionId`, or the modification time of a Google document (which has none).
    public var revision: String?
    public var modified: Date?
    public var size: Int64?

    public var name: String { String(path.split(separator: "/").last ?? "") }

    /// A listed node at `path`: its version is the head revision, or a Google document's modification time.
    public init(node: RemoteNode, account: String, driveID: String = "", path: String) {
        self.init(
            account: account,
            id: node.id,
            driveID: driveID,
            path: path,
            mimeType: node.mimeType,
            md5: node.md5,
            revision: node.version,
            modified: Date(timeIntervalSince1970: Double(node.modified) / 1000),
            size: node.size
        )
    }

    public init(
        account: String,
        id: String,
        driveID: String = "",
        path: String,
        mimeType: String,
        md5: String? = nil,
        revision: String? = nil,
        modified: Date? = nil,
        size: Int64? = nil
    ) {
        self.account = account
        self.id = id
        self.driveID = driveID
        self.path = path
        self.mimeType = mimeType
        self.md5 = md5
        self.revision = revision
        self.modified = modified
        self.size = size
    }
}

/// Streams one Drive file through extraction into an `IndexedDocument`, keeping no copy: text formats
/// stream, ZIP-based ones are read with `Range` requests, Google documents are exported as text or CSV, and
/// a PDF is spooled to a private temporary file (deleted at once) for `pdftotext`. An extraction failure
/// becomes the document's failure; a Drive failure is thrown (the caller retries or reports it).
public struct ContentPipeline: Sendable {
    public let client: DriveClient
    public var limits: ExtractionLimits
    public var fieldRules: [Configuration.FieldRule]
    public var processors: [Configuration.Processor]

    /// The largest PDF spooled for `pdftotext`.
    public static let pdfBytes: Int64 = 512 << 20

    public init(
        client: DriveClient,
        limits: ExtractionLimits = ExtractionLimits(),
        fieldRules: [Configuration.FieldRule] = [],
        processors: [Configuration.Processor] = []
    ) {
        self.client = client
        self.limits = limits
        self.fieldRules = fieldRules
        self.processors = processors
    }

    public func document(for file: IndexableFile) async throws -> IndexedDocument {
        var document = IndexedDocument(
            account: file.account,
            fileID: file.id,
            driveID: file.driveID,
            path: file.path,
            name: file.name,
            mimeType: file.mimeType,
            md5: file.md5,
            revision: file.revision,
            modified: file.modified,
            size: file.size,
            link: "https://drive.google.com/open?id=\(file.id)"
        )
        let started = ContinuousClock.now
        defer { Self.record(document, size: file.size, elapsed: ContinuousClock.now - started) }
        for rule in fieldRules {
            document.fields.merge(rule.fields(path: file.path, mimeType: file.mimeType) ?? [:]) { first, _ in first }
        }
        var extractionFailure: ExtractionFailure?
        do {
            let (format, extracted) = try await withTimeLimit { try await extract(file) }
            document.format = format.rawValue
            document.text = extracted.text
            document.truncated = extracted.truncated
        } catch let failure as ExtractionFailure {
            extractionFailure = failure
        }
        var processorFailure: ExtractionFailure?
        var processed = false
        for processor in processors where processor.types.matches(mimeType: file.mimeType, name: file.name) {
            do {
                let output = try await run(processor, on: file)
                if !output.text.isEmpty {
                    document.text += (document.text.isEmpty ? "" : "\n") + output.text
                }
                document.fields.merge(output.fields) { _, new in new }
                processed = true
            } catch let failure as ExtractionFailure {
                processorFailure = processorFailure ?? failure
            }
        }
        // A type no extractor reads is fine when a processor read it (OCR of an image, say).
        if extractionFailure?.reason == .unsupported, processed { extractionFailure = nil }
        if let failure = processorFailure ?? extractionFailure {
            document.failure = IndexedDocument.Failure(reason: failure.reason.name, detail: failure.detail)
        }
        return document
    }

    /// Files processed by format and outcome (`indexed` or the failure's reason), bytes read, time taken.
    static func record(_ document: IndexedDocument, size: Int64?, elapsed: Duration) {
        let format = document.format ?? "none"
        Counter(
            label: "drivesync_content_files_total",
            dimensions: [("format", format), ("outcome", document.failure?.reason ?? "indexed")]
        ).increment()
        if let size {
            Counter(label: "drivesync_content_bytes_total", dimensions: [("format", format)]).increment(by: size)
        }
        Metrics.Timer(label: "drivesync_content_extraction_seconds", dimensions: [("format", format)])
            .record(duration: elapsed)
    }

    /// The file's content, streamed: its bytes (pinned to the revision listed), or a Google document's
    /// export. Extraction and processors read it alike.
    private func content(of file: IndexableFile) -> DownloadStream {
        if let export = Self.exports[file.mimeType] {
            return client.export(fileId: file.id, mimeType: export.mimeType)
        }
        return client.download(fileId: file.id, headRevisionId: file.revision)
    }

    /// Runs `processor` with the file's content on its standard input; its JSON Lines become text and
    /// fields.
    private func run(
        _ processor: Configuration.Processor,
        on file: IndexableFile
    ) async throws -> (text: String, fields: [String: String]) {
        guard let program = processor.command.first, let executable = Subprocess.executable(program) else {
            throw ExtractionFailure(
                .unsupported,
                "processor \(processor.name): \(processor.command.first ?? "") not found"
            )
        }
        let outcome = try await Subprocess.run(
            executable,
            Array(processor.command.dropFirst()),
            input: content(of: file),
            outputLimit: limits.textBytes,
            timeout: processor.timeout
        )
        if outcome.timedOut {
            throw ExtractionFailure(.timeout, "processor \(processor.name) took longer than \(processor.timeout)")
        }
        guard outcome.status == 0 || outcome.cut else {
            throw ExtractionFailure(
                .corrupt,
                "processor \(processor.name) exited with status \(outcome.status): \(outcome.errorText.prefix(300))"
            )
        }
        var texts: [String] = []
        var fields: [String: String] = [:]
        for line in outcome.output.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == 32 || $0 == 13 })
        {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                if outcome.cut { break }  // the last line, cut at the limit
                throw ExtractionFailure(
                    .corrupt,
                    "processor \(processor.name) printed a line that is not a JSON object: \(String(decoding: line.prefix(80), as: UTF8.self))"
                )
            }
            for (key, value) in object {
                if key == "text", let text = value as? String {
                    texts.append(text)
                } else if value is String || value is NSNumber {
                    fields[key.lowercased()] = "\(value)"
                }
            }
        }
        return (texts.joined(separator: "\n"), fields)
    }

    /// Google's own types, exported: documents and slides as text, sheets as CSV.
    static let exports: [String: (mimeType: String, format: ContentFormat)] = [
        "application/vnd.google-apps.document": ("text/plain", .plainText),
        "application/vnd.google-apps.presentation": ("text/plain", .plainText),
        "application/vnd.google-apps.spreadsheet": ("text/csv", .csv),
    ]

    private func extract(_ file: IndexableFile) async throws -> (ContentFormat, ExtractedText) {
        let extractor = ContentExtractor(limits: limits)
        if let export = Self.exports[file.mimeType] {
            let bytes = content(of: file).map { $0.readableBytesView }
            return (export.format, try await extractor.text(of: bytes, format: export.format))
        }
        guard let format = ContentFormat(mimeType: file.mimeType, name: file.name) else {
            throw ExtractionFailure(.unsupported, "no extractor reads \(file.mimeType)")
        }
        switch format {
        case .pdf:
            return (format, try await pdfText(file))
        case _ where format.isArchive:
            let source = DriveRangeBytes(client: client, file: file)
            return (format, try await extractor.text(of: source, format: format))
        default:
            let bytes = content(of: file).map { $0.readableBytesView }
            return (format, try await extractor.text(of: bytes, format: format))
        }
    }

    private func withTimeLimit<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = limits.time
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw ExtractionFailure(.timeout, "took longer than \(limit)")
            }
            return value
        }
    }

    private func pdfText(_ file: IndexableFile) async throws -> ExtractedText {
        guard let pdftotext = Subprocess.executable("pdftotext") else {
            throw ExtractionFailure(.unsupported, "PDF needs pdftotext: install poppler-utils")
        }
        if let size = file.size, size > Self.pdfBytes {
            throw ExtractionFailure(.tooLarge, "a PDF of \(size) bytes (the limit is \(Self.pdfBytes))")
        }
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("drivesync-\(UUID().uuidString).pdf")
            .path
        defer { try? FileManager.default.removeItem(atPath: spool) }
        try await offload {
            guard FileManager.default.createFile(atPath: spool, contents: nil, attributes: [.posixPermissions: 0o600])
            else { throw DriveSyncError(.unavailable, "cannot write \(spool)") }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: spool))
        var written: Int64 = 0
        do {
            for try await chunk in content(of: file) {
                written += Int64(chunk.readableBytes)
                if written > Self.pdfBytes {
                    throw ExtractionFailure(.tooLarge, "a PDF larger than \(Self.pdfBytes) bytes")
                }
                try await offload { try handle.write(contentsOf: Data(chunk.readableBytesView)) }
            }
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        let outcome = try await Subprocess.run(
            pdftotext,
            ["-enc", "UTF-8", spool, "-"],
            input: nil as DownloadStream?,
            outputLimit: limits.textBytes,
            timeout: limits.time
        )
        if outcome.timedOut { throw ExtractionFailure(.timeout, "pdftotext took longer than \(limits.time)") }
        guard outcome.status == 0 || outcome.cut else {
            let reason: ExtractionFailure.Reason =
                outcome.errorText.lowercased().contains("password") ? .encrypted : .corrupt
            throw ExtractionFailure(reason, "pdftotext: \(outcome.errorText.split(separator: "\n").last ?? "failed")")
        }
        var text = try await ContentExtractor(limits: limits).text(
            of: InMemoryBytes(outcome.output),
            format: .plainText
        )
        text.truncated = text.truncated || outcome.cut
        return text
    }
}

/// A Drive file read by position with `Range` requests, each pinned to the revision listed (a file that
/// changes meanwhile fails the read instead of mixing two versions).
struct DriveRangeBytes: RandomAccessBytes {
    let client: DriveClient
    let file: IndexableFile
    var count: Int64 { file.size ?? 0 }

    func read(_ range: Range<Int64>) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        for try await chunk in client.download(fileId: file.id, range: range, headRevisionId: file.revision) {
            bytes += chunk.readableBytesView
        }
        return bytes
    }
}
