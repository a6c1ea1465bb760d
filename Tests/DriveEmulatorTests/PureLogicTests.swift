import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import DriveEmulator

struct FieldMaskTests {
    @Test func selectsNestedFieldsAndKeepsOrder() throws {
        let mask = try FieldMask.parse("nextPageToken, files(id, name),files/size")
        let value = JSONValue.object([
            JSONMember("kind", .string("drive#fileList")),
            JSONMember("nextPageToken", .string("t")),
            JSONMember(
                "files",
                .array([
                    .object([
                        JSONMember("id", .string("1")), JSONMember("name", .string("a")),
                        JSONMember("size", .string("3")), JSONMember("mimeType", .string("x")),
                    ])
                ])
            ),
        ])
        #expect(
            mask.apply(to: value).serialized(pretty: false)
                == #"{"nextPageToken":"t","files":[{"id":"1","name":"a","size":"3"}]}"#
        )
        try mask.validate(schema: "FileList")
    }

    @Test(arguments: ["etag", "files(etag)", "nope", "files(id,bogus)", "capabilities/canFly"])
    func rejectsUnknownFields(selector: String) throws {
        let mask = try FieldMask.parse(selector)
        #expect(throws: FieldMask.InvalidSelection.self) {
            try mask.validate(schema: selector.hasPrefix("files(") ? "FileList" : "File")
        }
    }

    @Test func starSelectsEverything() throws {
        #expect(try FieldMask.parse("*") == .all)
        #expect(throws: FieldMask.InvalidSelection.self) { try FieldMask.parse("files(id") }
    }

    @Test func prettyPrintUsesOneSpace() {
        let value = JSONValue.object([JSONMember("a", .array([.int(1)])), JSONMember("b", .string("x=y"))])
        #expect(value.serialized(pretty: true) == "{\n \"a\": [\n  1\n ],\n \"b\": \"x\\u003dy\"\n}")
    }
}

struct DriveQueryTests {
    func file(
        _ name: String,
        parents: [String] = ["P"],
        modified: Int64 = 1_000,
        app: [String: String] = [:]
    ) -> QueryableFile {
        QueryableFile(
            name: name,
            mimeType: "text/plain",
            fullText: "",
            parents: parents,
            owners: ["o@x"],
            writers: [],
            readers: [],
            trashed: false,
            starred: false,
            sharedWithMe: false,
            modifiedTime: modified,
            createdTime: 0,
            viewedByMeTime: nil,
            visibility: "limited",
            shortcutTargetId: nil,
            appProperties: app,
            properties: [:]
        )
    }

    @Test func parsesRcloneStyleGroupedQuery() throws {
        let query = try DriveQuery.parse("trashed=false and ('A' in parents or 'B' in parents) and (name='a.txt')")
        #expect(try query.matches(file("a.txt", parents: ["B"]), aliases: [:]))
        #expect(try !query.matches(file("a.txt", parents: ["C"]), aliases: [:]))
        #expect(try !query.matches(file("b.txt", parents: ["A"]), aliases: [:]))
        // The search reads only those folders' children.
        #expect(DriveState.requiredParents(in: query) == ["A", "B"])
        let either = try DriveQuery.parse("'A' in parents or name = 'x'")
        #expect(DriveState.requiredParents(in: either) == nil, "a match may be anywhere")
    }

    @Test func decodesEscapedQuotesAndBackslashes() throws {
        let query = try DriveQuery.parse(#"name = 'it\'s "x" \\ y'"#)
        #expect(try query.matches(file(#"it's "x" \ y"#), aliases: [:]))
    }

    @Test func nameEqualityIgnoresCaseButNotNormalisation() throws {
        #expect(try DriveQuery.parse("name = 'NOTES.md'").matches(file("notes.MD"), aliases: [:]))
        #expect(try !DriveQuery.parse("name != 'Notes.md'").matches(file("notes.md"), aliases: [:]))
        #expect(try !DriveQuery.parse("name = 'Cafe\u{301}'").matches(file("Caf\u{E9}"), aliases: [:]))
        #expect(try !DriveQuery.parse("mimeType = 'TEXT/plain'").matches(file("a"), aliases: [:]))
    }

    @Test func nameContainsMatchesTokenPrefixes() {
        #expect(DriveQuery.nameContains("HelloWorld", "Hello"))
        #expect(!DriveQuery.nameContains("HelloWorld", "World"))
        #expect(DriveQuery.nameContains("my-report.pdf", "report"))
    }

    @Test func comparesTimesAndAppProperties() throws {
        let query = try DriveQuery.parse(
            "modifiedTime > '1970-01-01T00:00:00.500Z' and appProperties has { key='k' and value='v' } and not name contains 'tmp'"
        )
        #expect(try query.matches(file("a", app: ["k": "v"]), aliases: [:]))
        #expect(try !query.matches(file("a", modified: 400, app: ["k": "v"]), aliases: [:]))
        #expect(try !query.matches(file("tmp file", app: ["k": "v"]), aliases: [:]))
    }

    @Test func resolvesRootAlias() throws {
        #expect(try DriveQuery.parse("'root' in parents").matches(file("a", parents: ["R0"]), aliases: ["root": "R0"]))
    }

    @Test(arguments: ["name =", "name = 'a' and", "(name = 'a'", "'a' parents", "name ~ 'a'", "name = 'unterminated"])
    func rejectsMalformedQueries(text: String) {
        #expect(throws: DriveQuery.SyntaxError.self) { try DriveQuery.parse(text) }
    }
}

struct RangeTests {
    @Test func parsesRangeForms() {
        #expect(DriveEmulator.parseRange("bytes=500-999", size: 1024) == 500..<1000)
        #expect(DriveEmulator.parseRange("bytes=800-2000", size: 1024) == 800..<1024)
        #expect(DriveEmulator.parseRange("bytes=100-", size: 1024) == 100..<1024)
        #expect(DriveEmulator.parseRange("bytes=-24", size: 1024) == 1000..<1024)
        #expect(DriveEmulator.parseRange("bytes=2000-", size: 1024) == nil)
        #expect(DriveEmulator.parseRange("items=1-2", size: 1024) == nil)
    }
}

struct ChangeObserverTests {
    /// What a change wakes is called as directly after many changes as after one: the cost of a request
    /// must not grow with the changes before it.
    @Test func wakingOnAChangeDoesNotDeepenWithEachChange() throws {
        let emulator = try DriveEmulator(configuration: .init(users: [.init(email: "d@example.com", token: "d")]))
        let depths = Mutex<[Int]>([])
        emulator.store.setChangeObserver { depths.withLock { $0.append(Thread.callStackSymbols.count) } }
        for index in 0..<50 {
            try emulator.store.write { state, journal in
                state.recordChange(fileId: "file\(index)", audience: [], driveId: nil, journal: &journal)
            }
        }
        let recorded = depths.withLock { $0 }
        #expect(recorded.count == 50)
        #expect(recorded.first == recorded.last, "\(recorded)")
    }
}
