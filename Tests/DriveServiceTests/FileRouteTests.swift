import DriveSyncKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

struct FileRouteTests {
    @Test func uploadsListReadAndNeverOverwriteBlindly() async throws {
        try await ServiceHarness.run { service in
            let created = try await service.upload("first version", to: "Notes/a.txt")
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let item = try service.json(Item.self, created)
            #expect(item.name == "a.txt" && item.size == 13 && item.kind == "file")

            let listing = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Notes"))
            #expect(listing.items.map(\.name) == ["a.txt"])
            let metadata = try service.json(Item.self, try await service.send(.get, "/drive/files/\(item.id)"))
            #expect(metadata == item)

            let taken = try await service.upload("second version", to: "Notes/a.txt")
            #expect(taken.status == .conflict)
            #expect(try service.json(ErrorBody.self, taken).error.reason == "alreadyExists")

            let archived = try await service.upload("second version", to: "Notes/a.txt", query: "&replace=archive")
            #expect(archived.status == .created)
            let archive = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Archive/Notes"))
            #expect(archive.items.count == 1 && archive.items.first?.id == item.id, "the first version is archived")

            let current = try service.json(Item.self, archived)
            let revised = try await service.upload("third", to: "Notes/a.txt", query: "&replace=revision")
            #expect(revised.status == .created)
            #expect(
                try service.json(Item.self, revised).id == current.id,
                "replaced in place, old content kept as a revision"
            )
            let content = try await service.send(.get, "/drive/files/\(current.id)/content")
            #expect(String(buffer: content.body) == "third")

            #expect(
                service.auditLines.contains {
                    $0.contains(#""action":"files.upload""#) && $0.contains(#""key":"tests""#)
                }
            )
        }
    }

    @Test func emptyAndMultiChunkUploads() async throws {
        try await ServiceHarness.run { service in
            let empty = try await service.upload("", to: "empty.bin")
            #expect(empty.status == .created)
            #expect(try service.json(Item.self, empty).size == 0)

            // Past the multipart cutoff (5 MiB): a resumable session fed chunk by chunk from the body.
            var big = ByteBuffer()
            for index in 0..<(6 << 20) / 4 { big.writeInteger(UInt32(truncatingIfNeeded: index &* 2_654_435_761)) }
            let answer = try await service.send(
                .post,
                "/drive/files?path=big.bin",
                headers: [.contentLength: String(big.readableBytes)],
                body: big
            )
            #expect(answer.status == .created, "\(String(buffer: answer.body))")
            let item = try service.json(Item.self, answer)
            #expect(item.size == Int64(big.readableBytes))
            let back = try await service.send(.get, "/drive/files/\(item.id)/content")
            #expect(back.body == big)
        }
    }

    @Test func rangesAnswerAsHTTPSays() async throws {
        try await ServiceHarness.run { service in
            let item = try service.json(Item.self, try await service.upload("0123456789", to: "digits.txt"))
            let uri = "/drive/files/\(item.id)/content"
            func get(_ range: String, ifRange: String? = nil) async throws -> TestResponse {
                var headers: HTTPFields = [.range: range]
                if let ifRange { headers[.ifRange] = ifRange }
                return try await service.send(.get, uri, headers: headers)
            }
            let cases: [(range: String, status: HTTPResponse.Status, body: String?, contentRange: String?)] = [
                ("bytes=0-0", .partialContent, "0", "bytes 0-0/10"),
                ("bytes=9-9", .partialContent, "9", "bytes 9-9/10"),
                ("bytes=-3", .partialContent, "789", "bytes 7-9/10"),
                ("bytes=-30", .partialContent, "0123456789", "bytes 0-9/10"),
                ("bytes=5-", .partialContent, "56789", "bytes 5-9/10"),
                ("bytes=8-100", .partialContent, "89", "bytes 8-9/10"),
                ("bytes=10-", .rangeNotSatisfiable, nil, "bytes */10"),
                ("bytes=0-1,4-5", .rangeNotSatisfiable, nil, "bytes */10"),
                ("bytes=5-2", .ok, "0123456789", nil),
                ("items=0-1", .ok, "0123456789", nil),
            ]
            for check in cases {
                let answer = try await get(check.range)
                #expect(answer.status == check.status, "\(check.range)")
                #expect(answer.headers[.contentRange] == check.contentRange, "\(check.range)")
                if let body = check.body { #expect(String(buffer: answer.body) == body, "\(check.range)") }
            }
            let whole = try await service.send(.get, uri)
            let etag = try #require(whole.headers[.eTag])
            #expect(whole.headers[.acceptRanges] == "bytes")
            #expect(whole.headers[.contentDisposition]?.contains(#"filename="digits.txt""#) == true)
            #expect(String(buffer: try await get("bytes=0-1", ifRange: etag).body) == "01")
            let stale = try await get("bytes=0-1", ifRange: "\"old\"")
            #expect(stale.status == .ok && String(buffer: stale.body) == "0123456789", "a stale If-Range gets it all")
            let checked = try await service.send(.get, uri + "?checksum=true")
            #expect(checked.status == .ok && String(buffer: checked.body) == "0123456789", "the MD5 checked on the way")
            let head = try await service.send(.head, uri)
            #expect(head.status == .ok && head.headers[.contentLength] == "10" && head.body.readableBytes == 0)
        }
    }

    @Test func renamesMovesTrashesAndDeletes() async throws {
        try await ServiceHarness.run { service in
            let item = try service.json(Item.self, try await service.upload("x", to: "Inbox/note.txt"))
            let folder = try service.json(
                Item.self,
                try await service.send(.post, "/drive/folders", body: ByteBuffer(string: #"{"path": "Done/2026"}"#))
            )
            #expect(folder.kind == "folder" && folder.name == "2026")
            let moved = try await service.send(
                .patch,
                "/drive/files/\(item.id)",
                body: ByteBuffer(string: #"{"name": "kept.txt", "folder_path": "Done/2026"}"#)
            )
            #expect(try service.json(Item.self, moved).parents == [folder.id])
            let tree = try service.json(Page.self, try await service.send(.get, "/drive/folders/\(folder.id)/tree"))
            #expect(tree.items.map(\.path) == ["kept.txt"])
            let top = try service.json(Page.self, try await service.send(.get, "/drive/files"))
            let done = try #require(top.items.first { $0.name == "Done" })
            let treeOfDone = try service.json(Page.self, try await service.send(.get, "/drive/folders/\(done.id)/tree"))
            #expect(treeOfDone.items.map(\.path) == ["2026", "2026/kept.txt"])

            #expect(try await service.send(.delete, "/drive/files/\(item.id)").status == .noContent)
            let trashed = try service.json(Item.self, try await service.send(.get, "/drive/files/\(item.id)"))
            #expect(trashed.name == "kept.txt")
            #expect(try await service.send(.delete, "/drive/files/\(item.id)?permanent=true").status == .noContent)
            #expect(try await service.send(.get, "/drive/files/\(item.id)").status == .notFound)
        }
    }

    @Test func concurrentFolderRequestsMakeOneFolder() async throws {
        try await ServiceHarness.run { service in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await service.send(
                            .post,
                            "/drive/folders",
                            body: ByteBuffer(string: #"{"path":"Shared/Charts"}"#)
                        )
                        .status
                    }
                }
                for try await status in group { #expect(status == .created) }
            }
            let shared = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Shared"))
            #expect(shared.items.map(\.name) == ["Charts"])
            let top = try service.json(Page.self, try await service.send(.get, "/drive/files"))
            #expect(top.items.filter { $0.name == "Shared" }.count == 1)
        }
    }

    @Test func concurrentUploadsOfOneNameCreateItOnce() async throws {
        try await ServiceHarness.run { service in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<6 {
                    group.addTask { try await service.upload("version \(index)", to: "Band/setlist.txt").status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 5, "\(statuses)")
            let band = try service.json(Page.self, try await service.send(.get, "/drive/files?path=Band"))
            #expect(band.items.map(\.name) == ["setlist.txt"])
        }
    }

    @Test func badInputGetsFourHundredsNeverFiveHundreds() async throws {
        try await ServiceHarness.run { service in
            let cases: [(HTTPRequest.Method, String, ByteBuffer?, HTTPResponse.Status, String)] = [
                (.get, "/drive/files?path=../etc", nil, .badRequest, "invalidPath"),
                (.get, "/drive/files?path=a/%00/b", nil, .badRequest, "invalidPath"),
                (.get, "/drive/files?path=missing", nil, .notFound, "notFound"),
                (.get, "/drive/files?page_size=0", nil, .badRequest, "invalid"),
                (.get, "/drive/files/abc$def", nil, .badRequest, "invalidID"),
                (.get, "/drive/files/nosuchfile", nil, .notFound, "notFound"),
                (.get, "/drive/files?account=nobody", nil, .notFound, "unknownAccount"),
                (.post, "/drive/files", ByteBuffer(string: "x"), .badRequest, "required"),
                (.post, "/drive/files?path=/", ByteBuffer(string: "x"), .badRequest, "invalidPath"),
                (.post, "/drive/files?path=a.txt&replace=yes", ByteBuffer(string: "x"), .badRequest, "invalid"),
                (.post, "/drive/folders", ByteBuffer(string: "{"), .badRequest, "invalidJSON"),
                (.post, "/drive/folders", ByteBuffer(string: #"{"path": 3}"#), .badRequest, "invalidJSON"),
                (.post, "/drive/folders", ByteBuffer(string: #"{"path": "a/../b"}"#), .badRequest, "invalidPath"),
                (
                    .post, "/drive/folders", ByteBuffer(repeating: UInt8(ascii: " "), count: 100_000), .contentTooLarge,
                    "tooLarge"
                ),
                (.patch, "/drive/files/abc", ByteBuffer(string: "{}"), .badRequest, "required"),
                (.delete, "/drive/files/abc?permanent=maybe", nil, .badRequest, "invalid"),
                (.get, "/drive/nothing-here", nil, .notFound, "noRoute"),
                (.put, "/drive/files", nil, .methodNotAllowed, "methodNotAllowed"),
                (.trace, "/drive/files/abc/content", nil, .methodNotAllowed, "methodNotAllowed"),
            ]
            for (method, uri, body, status, reason) in cases {
                let answer = try await service.send(method, uri, body: body)
                #expect(answer.status == status, "\(method) \(uri): \(String(buffer: answer.body))")
                #expect((try? service.json(ErrorBody.self, answer).error.reason) == reason, "\(method) \(uri)")
            }
        }
    }
}
