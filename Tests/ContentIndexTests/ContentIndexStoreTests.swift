import ContentIndex
import DriveSyncTestSupport
import Foundation
import Logging
import SQLDatabase
import Testing

/// The index finds, ranks and filters alike on SQLite (FTS5) and PostgreSQL (tsvector).
struct ContentIndexStoreTests {
    func open(_ backend: TestDatabaseBackend) async throws -> ContentIndexStore {
        let database = try await backend.freshLocation().connect(logger: Logger(label: "index-test"))
        let store = ContentIndexStore(backend: database)
        try await store.migrate()
        return store
    }

    func document(
        _ id: String,
        _ path: String,
        _ text: String,
        account: String = "me",
        mimeType: String = "text/plain",
        modified: String = "2026-06-01",
        fields: [String: String] = [:]
    ) -> IndexedDocument {
        IndexedDocument(
            account: account,
            fileID: id,
            path: path,
            name: String(path.split(separator: "/").last!),
            mimeType: mimeType,
            format: mimeType == "application/pdf" ? "pdf" : "text",
            md5: "md5-\(id)",
            modified: ISO8601DateFormatter().date(from: modified + "T12:00:00Z"),
            text: text,
            fields: fields
        )
    }

    func ids(_ store: ContentIndexStore, _ query: String, account: String? = nil) async throws -> [String] {
        try await store.search(SearchQuery(parsing: query), account: account).map(\.fileID)
    }

    func corpus(_ store: ContentIndexStore) async throws {
        for document in [
            document(
                "title",
                "Charts/Autumn Leaves - Gm (lead sheet).pdf",
                "A jazz standard in G minor.",
                mimeType: "application/pdf",
                fields: ["title": "Autumn Leaves", "key": "Gm", "type": "lead sheet"]
            ),
            document(
                "body",
                "Notes/setlist.txt",
                "Opening with autumn leaves, then blue bossa. Swing feel.",
                modified: "2025-11-20"
            ),
            document("accents", "Notes/Café.md", "Crème brûlée at the café after the gig, near the Zürich Straße."),
            document("greek", "Notes/Αθήνα.txt", "Συναυλία στην Αθήνα. Концерт в Москве. 東京 公演"),
            document("draft", "Drafts/draft.txt", "Autumn leaves draft arrangement, unfinished.", account: "work"),
            document("improv", "Notes/improv.txt", "Improvisation exercises and improvising over changes."),
        ] {
            try await store.put(document)
        }
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func aTitleMatchOutranksABodyMatch(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        try await corpus(store)
        let hits = try await ids(store, "autumn leaves")
        #expect(hits.first == "title")
        #expect(Set(hits) == ["title", "body", "draft"])
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func phrasesExclusionsAlternativesAndPrefixes(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        try await corpus(store)
        #expect(Set(try await ids(store, #""blue bossa""#)) == ["body"])
        #expect(try await ids(store, #""bossa blue""#).isEmpty)
        #expect(Set(try await ids(store, "autumn -draft")) == ["title", "body"])
        #expect(Set(try await ids(store, "bossa OR unfinished")) == ["body", "draft"])
        #expect(Set(try await ids(store, "improvis*")) == ["improv"])
        #expect(try await ids(store, "improvis").isEmpty)
        #expect(Set(try await ids(store, "name:leaves")) == ["title"])
        #expect(Set(try await ids(store, "-autumn -bossa")).isSuperset(of: ["accents", "greek", "improv"]))
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func accentsCaseAndOtherScripts(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        try await corpus(store)
        #expect(try await ids(store, "CREME BRULEE") == ["accents"])
        #expect(try await ids(store, "zürich") == ["accents"])
        #expect(try await ids(store, "name:cafe") == ["accents"])
        #expect(try await ids(store, "ΑΘΉΝΑ") == ["greek"])
        #expect(try await ids(store, "москве") == ["greek"])
        #expect(try await ids(store, "東京") == ["greek"])
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func filtersNarrowAndWorkAlone(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        try await corpus(store)
        #expect(try await ids(store, "autumn type:pdf") == ["title"])
        #expect(try await ids(store, "type:application/pdf") == ["title"])
        #expect(Set(try await ids(store, "autumn folder:notes")) == ["body"])
        #expect(try await ids(store, "autumn folder:Not").isEmpty, "a folder is a whole path segment")
        #expect(try await ids(store, "autumn account:work") == ["draft"])
        #expect(try await ids(store, "autumn", account: "work") == ["draft"])
        #expect(try await ids(store, "autumn modified:<2026-01-01") == ["body"])
        #expect(try await ids(store, "modified:2025-11-20") == ["body"])
        #expect(try await ids(store, "key:gm") == ["title"])
        #expect(try await ids(store, "key:Am").isEmpty)
        #expect(try await ids(store, #"type:"Lead Sheet""#) == ["title"], "a field named type answers type:")
        #expect(try await ids(store, "minor key:Gm") == ["title"])
        #expect(try await ids(store, "gm") == ["title"], "fields are searchable as text")
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func snippetsMarkTheMatches(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        try await corpus(store)
        let hit = try #require(try await store.search(SearchQuery(parsing: "bossa")).first)
        #expect(hit.snippet.contains("<mark>bossa</mark>"), "\(hit.snippet)")
        #expect(hit.path == "Notes/setlist.txt")
        #expect(hit.name == "setlist.txt")
        #expect(hit.score > 0)
        let fields = try #require(try await store.search(SearchQuery(parsing: "standard")).first)
        #expect(fields.fields == ["title": "autumn leaves", "key": "gm", "type": "lead sheet"])
    }

    @Test(arguments: TestDatabaseBackend.allCases)
    func replacingAndRemovingKeepTheIndexInStep(_ backend: TestDatabaseBackend) async throws {
        let store = try await open(backend)
        try await corpus(store)
        var edited = document("body", "Notes/setlist.txt", "Now a ballad: body and soul.")
        edited.md5 = "md5-new"
        try await store.put(edited)
        #expect(try await ids(store, "bossa").isEmpty, "the old text no longer matches")
        #expect(try await ids(store, "ballad") == ["body"])
        #expect(try await store.version(account: "me", fileID: "body")?.differs(md5: "md5-new", revision: nil) == false)
        #expect(try await store.remove(account: "me", fileIDs: ["body", "missing"]) == 1)
        #expect(try await ids(store, "ballad").isEmpty)
        var failed = document("broken", "Notes/broken.pdf", "")
        failed.failure = .init(reason: "encrypted", detail: "needs a password")
        try await store.put(failed)
        let summary = try await store.summary()
        #expect(summary.indexed == 5)
        #expect(summary.failed == 1)
        #expect(summary.failures == ["encrypted": 1])
        #expect(try await ids(store, "broken") == ["broken"], "a failed file is still found by name")
    }
}
