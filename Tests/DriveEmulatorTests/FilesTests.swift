import AsyncHTTPClient
import DriveEmulator
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

func json(_ reply: RunningEmulator.Reply) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(reply.body.readableBytesView)) as? [String: Any])
}

func multipartBody(
    metadata: String,
    media: String,
    boundary: String = "BOUNDARY",
    newline: String = "\r\n"
) -> ByteBuffer {
    ByteBuffer(
        string: [
            "--\(boundary)", "Content-Type: application/json; charset=UTF-8", "", metadata,
            "--\(boundary)", "Content-Type: text/plain", "", media, "--\(boundary)--", "",
        ].joined(separator: newline)
    )
}

extension RunningEmulator {
    func createFolder(_ name: String, parent: String = "root") async throws -> String {
        let reply = try await send(
            .POST,
            "/drive/v3/files",
            headers: [("Content-Type", "application/json")],
            body: ByteBuffer(
                string: #"{"name":"\#(name)","mimeType":"application/vnd.google-apps.folder","parents":["\#(parent)"]}"#
            )
        )
        #expect(reply.status == 200)
        return try json(reply)["id"] as! String
    }

    func upload(_ name: String, content: String, parent: String = "root") async throws -> [String: Any] {
        let reply = try await send(
            .POST,
            "/upload/drive/v3/files?uploadType=multipart&fields=id,name,size,md5Checksum,parents,modifiedTime",
            headers: [("Content-Type", "multipart/related; boundary=BOUNDARY")],
            body: multipartBody(
                metadata: #"{"name":"\#(name)","parents":["\#(parent)"],"modifiedTime":"2024-05-01T12:34:56.789123Z"}"#,
                media: content
            )
        )
        #expect(reply.status == 200, "\(reply.text)")
        return try json(reply)
    }
}

struct FilesTests {
    @Test func multipartUploadListAndDownload() async throws {
        try await withRunningEmulator { drive in
            let folder = try await drive.createFolder("Notes")
            let file = try await drive.upload("a.txt", content: "hello world", parent: folder)
            #expect(file["size"] as? String == "11")
            #expect(file["md5Checksum"] as? String == "5eb63bbbe01eeed093cb22bb8f5acdc3")
            #expect(file["modifiedTime"] as? String == "2024-05-01T12:34:56.789Z")
            #expect(file["parents"] as? [String] == [folder])

            let q = "'\(folder)' in parents and trashed = false".addingPercentEncoding(
                withAllowedCharacters: .alphanumerics
            )!
            let list = try json(try await drive.send(.GET, "/drive/v3/files?q=\(q)&fields=files(id,name)"))
            let files = try #require(list["files"] as? [[String: Any]])
            #expect(files.map { $0["name"] as? String } == ["a.txt"])
            #expect(list["kind"] == nil, "fields must drop unselected keys")

            let id = file["id"] as! String
            let download = try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media")
            #expect(download.status == 200)
            #expect(download.text == "hello world")
            let partial = try await drive.send(
                .GET,
                "/drive/v3/files/\(id)?alt=media",
                headers: [("Range", "bytes=6-100")]
            )
            #expect(partial.status == 206)
            #expect(partial.text == "world")
            #expect(partial.header("Content-Range") == "bytes 6-10/11")
            let unsatisfiable = try await drive.send(
                .GET,
                "/drive/v3/files/\(id)?alt=media",
                headers: [("Range", "bytes=50-")]
            )
            #expect(unsatisfiable.status == 416)
            let link = try #require(
                try json(try await drive.send(.GET, "/drive/v3/files/\(id)?fields=webContentLink"))["webContentLink"]
                    as? String
            )
            #expect(link.hasPrefix(drive.baseURL))
            #expect(try await drive.send(.GET, link).text == "hello world")
        }
    }

    @Test func defaultFieldsAndErrorShapes() async throws {
        try await withRunningEmulator { drive in
            let created = try json(
                try await drive.send(.POST, "/drive/v3/files", body: ByteBuffer(string: #"{"name":"x"}"#))
            )
            #expect(Set(created.keys) == ["kind", "id", "name", "mimeType"])
            #expect(created["mimeType"] as? String == "application/octet-stream")

            let missing = try await drive.send(.GET, "/drive/v3/files/NOPE")
            #expect(missing.status == 404)
            let error = try #require(try json(missing)["error"] as? [String: Any])
            #expect(error["code"] as? Int == 404)
            #expect(error["message"] as? String == "File not found: NOPE.")
            let detail = try #require((error["errors"] as? [[String: Any]])?.first)
            #expect(detail["reason"] as? String == "notFound")
            #expect(detail["location"] as? String == "fileId")

            let badToken = try await drive.send(.GET, "/drive/v3/files", headers: [("Authorization", "Bearer wrong")])
            #expect(badToken.status == 401)
            #expect(badToken.text.contains("authError"))
            let noToken = try await drive.send(.GET, "/drive/v3/files", authorized: false)
            #expect(noToken.status == 401)

            #expect(try await drive.send(.GET, "/drive/v3/files/root?fields=etag").status == 400)
            #expect(try await drive.send(.GET, "/drive/v3/about").status == 400)
            #expect(try await drive.send(.GET, "/drive/v3/files?q=name%20%3D").status == 400)
        }
    }

    @Test func rootAliasPercentEncodedIdsAndAnyHost() async throws {
        try await withRunningEmulator { drive in
            let root = try json(try await drive.send(.GET, "/drive/v3/files/root?fields=id,name"))
            let rootID = try #require(root["id"] as? String)
            #expect(rootID != "root")
            #expect(root["name"] as? String == "My Drive")
            let encoded = try await drive.send(
                .GET,
                "/drive/v3/files/\(rootID.prefix(2))%\(String(Character("x").asciiValue!, radix: 16))\(rootID.dropFirst(2))"
            )
            #expect(encoded.status == 404)
            let viaEncodedPath = try await drive.send(.GET, "/drive/v3/files/%72oot?fields=id")
            #expect(try json(viaEncodedPath)["id"] as? String == rootID)
            let otherHost = try await drive.send(
                .GET,
                "/drive/v3/files/root?fields=id",
                headers: [("Host", "www.googleapis.com")]
            )
            #expect(otherHost.status == 200)
        }
    }

    @Test func methodOverrideListsInsteadOfCreating() async throws {
        try await withRunningEmulator { drive in
            _ = try await drive.upload("one.txt", content: "1")
            let reply = try await drive.send(
                .POST,
                "/drive/v3/files",
                headers: [("x-http-method-override", "GET"), ("Content-Type", "application/x-www-form-urlencoded")],
                body: ByteBuffer(string: "q=name+%3D+%27one.txt%27&fields=files(name)")
            )
            #expect(reply.status == 200)
            #expect(try json(reply)["files"] as? [[String: String]] == [["name": "one.txt"]])
        }
    }

    @Test func updateMovesRenamesAndTrashes() async throws {
        try await withRunningEmulator { drive in
            let a = try await drive.createFolder("A")
            let b = try await drive.createFolder("B")
            let id = try await drive.upload("f.txt", content: "x", parent: a)["id"] as! String
            let moved = try json(
                try await drive.send(
                    .PATCH,
                    "/drive/v3/files/\(id)?addParents=\(b)&removeParents=\(a)&fields=parents,name,appProperties",
                    body: ByteBuffer(string: #"{"name":"g.txt","appProperties":{"drivesync.path":"B/g.txt"}}"#)
                )
            )
            #expect(moved["parents"] as? [String] == [b])
            #expect(moved["name"] as? String == "g.txt")
            #expect((moved["appProperties"] as? [String: String])?["drivesync.path"] == "B/g.txt")
            #expect(try await drive.send(.PATCH, "/drive/v3/files/\(a)?addParents=\(a)").status == 400)
            #expect(
                try await drive.send(.PATCH, "/drive/v3/files/\(id)?addParents=\(a)").status == 403,
                "one parent only"
            )

            _ = try await drive.send(.PATCH, "/drive/v3/files/\(b)", body: ByteBuffer(string: #"{"trashed":true}"#))
            let child = try json(try await drive.send(.GET, "/drive/v3/files/\(id)?fields=trashed,explicitlyTrashed"))
            #expect(child["trashed"] as? Bool == true)
            #expect(child["explicitlyTrashed"] as? Bool == false)
            let q = "appProperties has { key='drivesync.path' and value='B/g.txt' } and trashed = false"
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(
                (try json(try await drive.send(.GET, "/drive/v3/files?q=\(q)"))["files"] as? [Any])?.isEmpty == true
            )
            #expect(try await drive.send(.DELETE, "/drive/v3/files/trash").status == 204)
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)").status == 404)
        }
    }

    @Test func contentUpdatesArePatchNotPut() async throws {
        try await withRunningEmulator { drive in
            let id = try await drive.upload("f.txt", content: "old")["id"] as! String
            let multipart = [("Content-Type", "multipart/related; boundary=BOUNDARY")]
            let body = multipartBody(metadata: "{}", media: "new")
            let put = try await drive.send(
                .PUT,
                "/upload/drive/v3/files/\(id)?uploadType=multipart",
                headers: multipart,
                body: body
            )
            #expect(put.status == 404)
            #expect(
                try await drive.send(.PUT, "/upload/drive/v3/files/\(id)?uploadType=media", body: body).status == 404
            )
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media").text == "old", "nothing written")

            let patch = try await drive.send(
                .PATCH,
                "/upload/drive/v3/files/\(id)?uploadType=multipart&fields=size",
                headers: multipart,
                body: body
            )
            #expect(patch.status == 200)
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media").text == "new")
            let session = try await drive.send(.PUT, "/upload/drive/v3/files/\(id)?uploadType=resumable")
            #expect(session.status == 200, "older documentation starts update sessions with PUT")
            #expect(session.header("Location")?.contains("upload_id=") == true)
        }
    }

    @Test func dateHeaderIsTheCurrentSecond() async throws {
        let (clock, control) = EmulatorClock.manual(startingAt: Date(timeIntervalSince1970: 1_767_225_600.9))
        try await withRunningEmulator(configuration: .init(clock: clock)) { drive in
            let created = try await drive.send(
                .POST,
                "/drive/v3/files?fields=modifiedTime",
                body: ByteBuffer(string: "{}")
            )
            #expect(try json(created)["modifiedTime"] as? String == "2026-01-01T00:00:00.900Z")
            #expect(created.header("Date") == "Thu, 01 Jan 2026 00:00:00 GMT")
            control.advance(by: 0.2)
            #expect(
                try await drive.send(.GET, "/drive/v3/about?fields=user").header("Date")
                    == "Thu, 01 Jan 2026 00:00:01 GMT"
            )
        }
    }

    @Test func generatedIdsMakeCreatesIdempotent() async throws {
        try await withRunningEmulator { drive in
            let generated = try json(try await drive.send(.GET, "/drive/v3/files/generateIds?count=2"))
            #expect(generated["kind"] as? String == "drive#generatedIds")
            let id = try #require((generated["ids"] as? [String])?.first)
            let body = ByteBuffer(string: #"{"id":"\#(id)","name":"once.txt"}"#)
            #expect(try await drive.send(.POST, "/drive/v3/files", body: body).status == 200)
            let again = try await drive.send(.POST, "/drive/v3/files", body: body)
            #expect(again.status == 409)
            #expect(again.text.contains("fileIdInUse"))
            let made = try await drive.send(
                .POST,
                "/drive/v3/files",
                body: ByteBuffer(string: #"{"id":"madeup","name":"x"}"#)
            )
            #expect(made.status == 400)
            let q = "name = 'once.txt'".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect((try json(try await drive.send(.GET, "/drive/v3/files?q=\(q)"))["files"] as? [Any])?.count == 1)
            // As Drive: `name =` ignores case, and an empty `fields=` (rclone sends it) is the defaults.
            let upper = "name = 'ONCE.TXT'".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect((try json(try await drive.send(.GET, "/drive/v3/files?q=\(upper)"))["files"] as? [Any])?.count == 1)
            let plain = try await drive.send(.GET, "/drive/v3/files/\(id)?fields=")
            #expect(plain.status == 200)
            #expect(try json(plain)["name"] as? String == "once.txt")
        }
    }

    @Test func duplicateNamesPagingAndOrdering() async throws {
        try await withRunningEmulator { drive in
            for name in ["b10", "b2", "a", "b2"] { _ = try await drive.upload(name, content: name) }
            let ordered = try json(
                try await drive.send(.GET, "/drive/v3/files?q=trashed%3Dfalse&orderBy=name_natural&fields=files(name)")
            )
            #expect((ordered["files"] as? [[String: String]])?.map { $0["name"]! } == ["a", "b2", "b2", "b10"])
            var names: [String] = []
            var token: String?
            repeat {
                let page = try json(
                    try await drive.send(
                        .GET,
                        "/drive/v3/files?pageSize=3&orderBy=name desc".replacingOccurrences(of: " ", with: "%20")
                            + (token.map { "&pageToken=\($0)" } ?? "")
                    )
                )
                names += (page["files"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                token = page["nextPageToken"] as? String
            } while token != nil
            #expect(names == ["b2", "b2", "b10", "a"])
        }
    }

    @Test func copyDeleteAndRevisions() async throws {
        try await withRunningEmulator { drive in
            let id = try await drive.upload("doc.txt", content: "v1")["id"] as! String
            let update = try await drive.send(
                .PATCH,
                "/upload/drive/v3/files/\(id)?uploadType=media&fields=md5Checksum,headRevisionId",
                headers: [("Content-Type", "text/plain")],
                body: ByteBuffer(string: "v2")
            )
            #expect(update.status == 200)
            let revisions = try json(try await drive.send(.GET, "/drive/v3/files/\(id)/revisions"))
            let list = try #require(revisions["revisions"] as? [[String: Any]])
            #expect(list.count == 2)
            let first = list[0]["id"] as! String
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)/revisions/\(first)?alt=media").text == "v1")
            let copy = try json(
                try await drive.send(
                    .POST,
                    "/drive/v3/files/\(id)/copy?fields=id,name,md5Checksum",
                    body: ByteBuffer(string: "{}")
                )
            )
            #expect(copy["name"] as? String == "Copy of doc.txt")
            #expect(copy["md5Checksum"] as? String == "1b267619c4812cc46ee281747884ca50")
            let copyID = copy["id"] as! String
            #expect(try await drive.send(.GET, "/drive/v3/files/\(copyID)?alt=media").text == "v2")
            #expect(try await drive.send(.DELETE, "/drive/v3/files/\(id)").status == 204)
            #expect(try await drive.send(.GET, "/drive/v3/files/\(copyID)?alt=media").text == "v2")
        }
    }

    @Test func workspaceDocumentsExportButDoNotDownload() async throws {
        try await withRunningEmulator { drive in
            let reply = try await drive.send(
                .POST,
                "/upload/drive/v3/files?uploadType=multipart&fields=id,exportLinks",
                headers: [("Content-Type", "multipart/related; boundary=BOUNDARY")],
                body: multipartBody(
                    metadata: #"{"name":"Sheet","mimeType":"application/vnd.google-apps.spreadsheet"}"#,
                    media: "a,b\n1,\"x,y\""
                )
            )
            let sheet = try json(reply)
            let id = try #require(sheet["id"] as? String)
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media").status == 403)
            let tsv = try await drive.send(.GET, "/drive/v3/files/\(id)/export?mimeType=text/tab-separated-values")
            #expect(tsv.text == "a\tb\n1\tx,y\n")
            let link = try #require((sheet["exportLinks"] as? [String: String])?["text/csv"])
            #expect(link.hasPrefix(drive.baseURL))
            #expect(try await drive.send(.GET, link).text == "a,b\n1,\"x,y\"")
            #expect(
                try await drive.send(.GET, "/drive/v3/files/\(id)/export?mimeType=application/x-nope").status == 400
            )
        }
    }
}

struct QuirkTests {
    @Test func chunkedMultipartWithoutUploadTypeOrLength() async throws {
        try await withRunningEmulator { drive in
            // aiogoogle: no uploadType; rclone: Transfer-Encoding chunked, no Content-Length; bare boundary, LF.
            let body = multipartBody(
                metadata: #"{"name":"chunked.txt"}"#,
                media: "streamed",
                boundary: "===15==",
                newline: "\n"
            )
            var request = HTTPClientRequest(url: drive.baseURL + "/upload/drive/v3/files?fields=name,size")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(drive.token)")
            request.headers.add(name: "Content-Type", value: #"multipart/related; boundary="===15==""#)
            let halves = [body.getSlice(at: 0, length: 10)!, body.getSlice(at: 10, length: body.readableBytes - 10)!]
            request.body = .stream(halves.async, length: .unknown)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let reply =
                try JSONSerialization.jsonObject(
                    with: Data((try await response.body.collect(upTo: 1 << 20)).readableBytesView)
                ) as? [String: String]
            #expect(response.status.code == 200)
            #expect(reply == ["name": "chunked.txt", "size": "8"])
        }
    }

    @Test func latencyFaultDelaysWithoutFailing() async throws {
        try await withRunningEmulator { drive in
            drive.emulator.faults.add(FaultRule(method: "files.list", action: .latency(milliseconds: 50)))
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await drive.send(.GET, "/drive/v3/files")
            #expect(reply.status == 200)
            #expect(clock.now - start >= .milliseconds(50))
        }
    }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence, for streamed request bodies in tests.
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}

struct AppDataTests {
    @Test func appDataFolderIsItsOwnSpace() async throws {
        try await withRunningEmulator { drive in
            let hidden = try json(
                try await drive.send(
                    .POST,
                    "/drive/v3/files?fields=id,spaces",
                    body: ByteBuffer(string: #"{"name":"settings.json","parents":["appDataFolder"]}"#)
                )
            )
            #expect(hidden["spaces"] as? [String] == ["appDataFolder"])
            _ = try await drive.upload("visible.txt", content: "v")
            let normal = try json(try await drive.send(.GET, "/drive/v3/files?fields=files(name)"))
            #expect((normal["files"] as? [[String: String]])?.map { $0["name"]! } == ["visible.txt"])
            let appData = try json(
                try await drive.send(.GET, "/drive/v3/files?spaces=appDataFolder&fields=files(name)")
            )
            #expect((appData["files"] as? [[String: String]])?.map { $0["name"]! } == ["settings.json"])
            #expect(try await drive.send(.GET, "/drive/v3/files?spaces=photos").status == 400)
            let changes = try json(
                try await drive.send(
                    .GET,
                    "/drive/v3/changes?pageToken=1&spaces=appDataFolder&fields=changes(file(name))"
                )
            )
            #expect(
                (changes["changes"] as? [[String: [String: String]]])?.compactMap { $0["file"]?["name"] } == [
                    "settings.json"
                ]
            )
        }
    }
}
