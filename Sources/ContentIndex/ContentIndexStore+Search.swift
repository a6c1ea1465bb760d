public import Foundation
public import SQLDatabase

/// One file a search found.
public struct SearchHit: Sendable, Hashable, Codable {
    public var account: String
    public var fileID: String
    public var path: String
    public var name: String
    public var mimeType: String?
    public var format: String?
    public var modified: Date?
    /// Higher is better; comparable within one search only.
    public var score: Double
    /// Text around the matches, each marked `<mark>…</mark>`.
    public var snippet: String
    public var link: String?
    public var fields: [String: String]
}

extension ContentIndexStore {
    public static let snippetStart = "<mark>"
    public static let snippetEnd = "</mark>"

    /// The best `limit` files for `query`, best first; files of `account` only when given (an `account:`
    /// filter in the query narrows further).
    public func search(_ query: SearchQuery, limit: Int = 20, account: String? = nil) async throws -> [SearchHit] {
        var query = query
        if let account { query.filters.append(.account(account)) }
        let rows = try await backend.read(Self.searchStatement(query, limit: limit, dialect: backend.dialect))
        let ids = rows.compactMap { $0.integer("id") }
        var fields: [Int64: [String: String]] = [:]
        if !ids.isEmpty {
            let list = Array(repeating: "?", count: ids.count).joined(separator: ", ")
            for row in try await backend.read(
                SQLStatement(
                    "SELECT document_id, name, value FROM content_fields WHERE document_id IN (\(list))",
                    ids.map { .integer($0) }
                )
            ) {
                fields[row.integer("document_id") ?? 0, default: [:]][row.text("name") ?? ""] = row.text("value")
            }
        }
        return rows.map { row in
            SearchHit(
                account: row.text("account") ?? "",
                fileID: row.text("file_id") ?? "",
                path: row.text("path") ?? "",
                name: row.text("name") ?? "",
                mimeType: row.text("mime_type"),
                format: row.text("format"),
                modified: row.integer("modified").map(Microseconds.date),
                score: Double(row.text("score") ?? "") ?? 0,
                snippet: row.text("snippet") ?? "",
                link: row.text("link"),
                fields: fields[row.integer("id") ?? 0] ?? [:]
            )
        }
    }

    static let hitColumns = "d.id, d.account, d.file_id, d.path, d.name, d.mime_type, d.format, d.modified, d.link"

    static let fieldCondition =
        "EXISTS (SELECT 1 FROM content_fields f WHERE f.document_id = d.id AND f.name = ? AND f.value = ?)"

    /// The filters as SQL conditions on `d`, the same on both backends.
    static func filterConditions(_ filters: [SearchQuery.Filter]) -> [(String, [SQLValue])] {
        filters.map { filter -> (String, [SQLValue]) in
            switch filter {
            case .type(let type):
                // A filename field named `type` ("lead sheet") answers too.
                return (
                    "(d.format = ? OR d.mime_type = ? OR d.mime_type LIKE ? OR \(fieldCondition))",
                    [.text(type), .text(type), .text(type + "/%"), .text("type"), .text(TextFolding.fold(type))]
                )
            case .folder(let folder):
                let key = TextFolding.fold(folder).replacing("\\", with: "\\\\").replacing("%", with: "\\%")
                    .replacing("_", with: "\\_")
                return (
                    folder.isEmpty ? "1 = 1" : "d.folder_key LIKE ? ESCAPE '\\'",
                    folder.isEmpty ? [] : [.text(key + "/%")]
                )
            case .account(let account):
                return ("d.account = ?", [.text(account)])
            case .modified(let from, let before):
                return (
                    "d.modified >= ? AND d.modified < ?",
                    [.integer(from.map(Microseconds.from) ?? .min), .integer(before.map(Microseconds.from) ?? .max)]
                )
            case .field(let name, let value):
                return (fieldCondition, [.text(name.lowercased()), .text(TextFolding.fold(value))])
            }
        }
    }

    // MARK: SQLite

    /// FTS5's query syntax: each word quoted (so nothing in it is an operator), `*` after a prefix, a
    /// phrase as one quoted string, `name : ...` for the name column.
    static func fts5(_ clause: SearchQuery.Clause) -> String {
        let alternatives = clause.alternatives.map { term -> String in
            let text =
                switch term {
                case .word(let word, let prefix): "\"\(word)\"" + (prefix ? "*" : "")
                case .phrase(let words): "\"\(words.joined(separator: " "))\""
                }
            return clause.inName ? "name : \(text)" : text
        }
        return alternatives.count == 1 ? alternatives[0] : "(\(alternatives.joined(separator: " OR ")))"
    }

    /// The ranked search on SQLite: FTS5 matches, `bm25` (name 10, text 1, fields 4), `snippet()`.
    static func sqliteRanked(_ match: String, _ conditions: [(String, [SQLValue])], limit: Int) -> SQLStatement {
        let rank = "bm25(content_fts, 10.0, 1.0, 4.0)"
        return statement(
            """
            SELECT \(hitColumns), CAST(-\(rank) AS TEXT) AS score,
                snippet(content_fts, -1, '\(snippetStart)', '\(snippetEnd)', '…', 16) AS snippet
            FROM content_fts JOIN content_documents d ON d.id = content_fts.rowid
            """,
            [("content_fts MATCH ?", [.text(match)])] + conditions,
            order: "\(rank), d.id",
            limit: limit
        )
    }

    // MARK: PostgreSQL

    /// `to_tsquery` syntax over folded words (letters and digits only, so nothing in them is an operator):
    /// `word:*` for a prefix, `<->` between a phrase's words, `:A` for the name.
    static func tsquery(_ clause: SearchQuery.Clause) -> String {
        let weight = clause.inName ? "A" : ""
        let alternatives = clause.alternatives.map { term -> String in
            switch term {
            case .word(let word, let prefix):
                let folded = TextFolding.searchable(word).replacing(" ", with: " <-> ")
                return folded + (prefix || clause.inName ? ":" : "") + (prefix ? "*" : "") + weight
            case .phrase(let words):
                return "("
                    + words.map { TextFolding.searchable($0) + (clause.inName ? ":A" : "") }
                    .joined(separator: " <-> ") + ")"
            }
        }
        return alternatives.count == 1 ? alternatives[0] : "(\(alternatives.joined(separator: " | ")))"
    }

    /// The ranked search on PostgreSQL: `@@` on the weighted `tsvector`, `ts_rank`, `ts_headline`.
    static func postgresRanked(_ match: String, _ conditions: [(String, [SQLValue])], limit: Int) -> SQLStatement {
        statement(
            """
            SELECT \(hitColumns), ts_rank(d.search, q)::TEXT AS score,
                ts_headline('simple', left(d.body, \(postgresTextLimit)), q,
                    'StartSel=\(snippetStart), StopSel=\(snippetEnd), MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=…')
                    AS snippet
            FROM content_documents d, to_tsquery('simple', ?) q
            """,
            [("d.search @@ q", [])] + conditions,
            prefixValues: [.text(match)],
            order: "ts_rank(d.search, q) DESC, d.id",
            limit: limit
        )
    }

    // MARK: Both

    /// The query as one statement: filters and exclusions as conditions, the terms matched and ranked in
    /// the dialect's full-text search, or, with no terms, the filtered files newest first.
    static func searchStatement(_ query: SearchQuery, limit: Int, dialect: SQLDialect) -> SQLStatement {
        let postgres = dialect == .postgres
        let term: (SearchQuery.Clause) -> String = postgres ? { tsquery($0) } : { fts5($0) }
        let exclusion =
            postgres
            ? "NOT (d.search @@ to_tsquery('simple', ?))"
            : "d.id NOT IN (SELECT rowid FROM content_fts WHERE content_fts MATCH ?)"
        var conditions = filterConditions(query.filters)
        for clause in query.clauses where clause.excluded { conditions.append((exclusion, [.text(term(clause))])) }
        let match = query.clauses.filter { !$0.excluded }.map(term).joined(separator: postgres ? " & " : " AND ")
        guard !match.isEmpty else {
            return statement(
                "SELECT \(hitColumns), '0' AS score, substr(d.body, 1, 160) AS snippet FROM content_documents d",
                conditions,
                order: "d.modified DESC, d.id",
                limit: limit
            )
        }
        return postgres
            ? postgresRanked(match, conditions, limit: limit) : sqliteRanked(match, conditions, limit: limit)
    }

    private static func statement(
        _ select: String,
        _ conditions: [(String, [SQLValue])],
        prefixValues: [SQLValue] = [],
        order: String,
        limit: Int
    ) -> SQLStatement {
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.map(\.0).joined(separator: " AND ")
        return SQLStatement(
            "\(select)\(whereClause) ORDER BY \(order) LIMIT ?",
            prefixValues + conditions.flatMap(\.1) + [.integer(Int64(max(0, limit)))]
        )
    }
}
