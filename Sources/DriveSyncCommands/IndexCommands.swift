import ArgumentParser
import DriveSyncKit
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `drivesync index [LOCATION]...`: read new and changed Drive files into the content index.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Extract the text of new and changed Drive files into the search index.",
        discussion: """
            Reads each file whose MD5 or revision changed since it was indexed (text, Markdown, HTML, CSV/TSV,
            JSON, XML, RTF, docx, xlsx, pptx, odt, ods, odp, EPUB, PDF, and Google Docs, Sheets and Slides),
            streaming it without keeping a copy; files gone from Drive leave the index. A file that cannot be
            read is recorded with its reason and not tried again until it changes. The index lives in the
            service's database, so `drivesync serve` searches it too.

            Examples:
              drivesync index                     (the default drive, all of it)
              drivesync index drive:Charts work:Notes
              drivesync index --status
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var database: JobsCommand.DatabaseOption

    @Argument(help: "Drive folders: drive:PATH or NAME:PATH (default: the default drive's root).")
    var locations: [String] = []

    @Flag(help: "Show what the index holds instead of updating it.")
    var status = false

    func run() async throws {
        try await reportingErrors {
            let driveSync = try global.driveSync()
            if status {
                let summary = try await driveSync.indexSummary(database: database.database)
                print("Indexed: \(summary.indexed)  Failed: \(summary.failed)")
                for (format, count) in summary.byFormat.sorted(by: { $0.key < $1.key }) {
                    print("  \(format.isEmpty ? "(none)" : format): \(count)")
                }
                for (reason, count) in summary.failures.sorted(by: { $0.key < $1.key }) {
                    print("  failed, \(reason): \(count)")
                }
                if let updated = summary.lastUpdated { print("Last updated: \(updated.formatted(.iso8601))") }
                return
            }
            let terminal = isatty(STDERR_FILENO) == 1
            let report = try await driveSync.index(locations, database: database.database) { progress in
                guard terminal else { return }
                let line = "\r\u{1B}[KIndexing \(progress.done)/\(progress.total): \(progress.path)"
                FileHandle.standardError.write(Data(line.prefix(200).utf8))
            }
            if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            print(
                "Indexed \(report.indexed), failed \(report.failed), unchanged \(report.unchanged), removed \(report.removed)."
            )
            for (reason, count) in report.failures.sorted(by: { $0.key < $1.key }) {
                print("  \(reason): \(count)")
            }
        }
    }
}

/// `drivesync search QUERY`: search the content index.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the text and names of indexed Drive files.",
        discussion: """
            Words must all match; "a phrase" matches in order; -word excludes; jazz OR swing takes either;
            improv* matches a prefix. Filters: name:WORD, type:pdf (a format or MIME type), folder:PATH,
            account:NAME, modified:>2026-01-01 (also <, <=, >=, or a day), and any filename field (key:Gm).
            Case and accents do not matter.

            Examples:
              drivesync search "autumn leaves" type:pdf
              drivesync search 'ballad -draft folder:Charts key:Gm' --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var database: JobsCommand.DatabaseOption

    @Argument(help: "The query (quote it for the shell).")
    var query: [String]

    @Option(help: "How many results at most.")
    var limit = 20

    @Option(help: "Only this account's files.")
    var account: String?

    @Flag(help: "One JSON object per line.")
    var json = false

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit takes 1 to 1000.") }
    }

    func run() async throws {
        try await reportingErrors {
            let hits = try await global.driveSync().search(
                query.joined(separator: " "),
                limit: limit,
                account: account,
                database: database.database
            )
            for hit in hits {
                if json {
                    print(try JobsCommand.json(hit))
                } else {
                    print("\(hit.path)  (\(hit.account), \(hit.format ?? hit.mimeType ?? "?"))")
                    let snippet = hit.snippet.split(whereSeparator: \.isNewline).joined(separator: " ")
                    if !snippet.isEmpty { print("    " + Self.highlighted(snippet)) }
                }
            }
            if hits.isEmpty, !json { printNote("No matches.") }
        }
    }

    /// The snippet's marks as bold on a terminal, brackets elsewhere.
    static func highlighted(_ snippet: String) -> String {
        let terminal = isatty(STDOUT_FILENO) == 1
        return snippet.replacing("<mark>", with: terminal ? "\u{1B}[1m" : "[")
            .replacing("</mark>", with: terminal ? "\u{1B}[0m" : "]")
    }
}
