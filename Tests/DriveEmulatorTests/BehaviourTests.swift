import DriveEmulator
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

struct ChangesTests {
    @Test func changesFeedReportsCreatesEditsAndRemovals() async throws {
        try await withRunningEmulator { drive in
            let start =
                try json(try await drive.send(.GET, "/drive/v3/changes/startPageToken"))["startPageToken"] as! String
            let id = try await drive.upload("c.txt", content: "1")["id"] as! String
            _ = try await drive.send(.PATCH, "/drive/v3/files/\(id)", body: ByteBuffer(string: #"{"name":"d.txt"}"#))
            let other = try await drive.upload("e.txt", content: "2")["id"] as! String
            _ = try await drive.send(.DELETE, "/drive/v3/files/\(other)")

            var changes: [[String: Any]] = []
            var token = start
            var newStart: String?
            while newStart == nil {
                let page = try json(
                    try await drive.send(
                        .GET,
                        "/drive/v3/changes?pageToken=\(token)&pageSize=1&fields=nextPageToken,newStartPageToken,changes(fileId,removed,file(name))"
                    )
                )
                changes += page["changes"] as? [[String: Any]] ?? []
                if let next = page["nextPageToken"] as? String {
                    #expect(page["newStartPageToken"] == nil, "only the last page carries newStartPageToken")
                    token = next
                }
                newStart = page["newStartPageToken"] as? String
            }
            #expect(changes.count == 2, "one entry per file, latest state")
            #expect(
                changes.first { $0["fileId"] as? String == id }.flatMap {
                    ($0["file"] as? [String: Any])?["name"] as? String
                } == "d.txt"
            )
            #expect(changes.first { $0["fileId"] as? String == other }?["removed"] as? Bool == true)
            let empty = try json(try await drive.send(.GET, "/drive/v3/changes?pageToken=\(newStart!)"))
            #expect((empty["changes"] as? [Any])?.isEmpty == true)
            #expect(empty["newStartPageToken"] as? String == newStart)
            #expect(try await drive.send(.GET, "/drive/v3/changes").status == 400)
        }
    }
}

struct PermissionsTests {
    @Test func otherUsersSeeOnlyWhatIsShared() async throws {
        let configuration = EmulatorConfiguration(users: [
            .init(email: "alice@example.com", token: "alice"), .init(email: "bob@example.com", token: "bob"),
        ])
        try await withRunningEmulator(configuration: configuration) { drive in
            let folder = try await drive.createFolder("Shared")
            let id = try await drive.upload("in.txt", content: "x", parent: folder)["id"] as! String
            let asBob = [("Authorization", "Bearer bob")]
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)", headers: asBob).status == 404)
            let share = try await drive.send(
                .POST,
                "/drive/v3/files/\(folder)/permissions",
                body: ByteBuffer(string: #"{"type":"user","role":"reader","emailAddress":"bob@example.com"}"#)
            )
            #expect(share.status == 200)
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media", headers: asBob).text == "x")
            // The owner can turn downloads off for readers; the owner keeps them.
            #expect(
                try await drive.send(
                    .PATCH,
                    "/drive/v3/files/\(id)",
                    body: ByteBuffer(string: #"{"copyRequiresWriterPermission":true}"#)
                ).status == 200
            )
            let refused = try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media", headers: asBob)
            #expect(refused.status == 403 && refused.text.contains("cannotDownloadFile"))
            let seen = try json(
                try await drive.send(
                    .GET,
                    "/drive/v3/files/\(id)?fields=capabilities(canDownload),copyRequiresWriterPermission",
                    headers: asBob
                )
            )
            #expect(
                (seen["capabilities"] as? [String: Bool])?["canDownload"] == false
                    && seen["copyRequiresWriterPermission"] as? Bool == true
            )
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media").text == "x")
            let write = try await drive.send(
                .PATCH,
                "/drive/v3/files/\(id)",
                headers: asBob,
                body: ByteBuffer(string: #"{"name":"no"}"#)
            )
            #expect(write.status == 403)
            #expect(write.text.contains("insufficientFilePermissions"))
            let permissions = try json(
                try await drive.send(
                    .GET,
                    "/drive/v3/files/\(folder)/permissions?fields=permissions(id,role,emailAddress)"
                )
            )
            let roles = (permissions["permissions"] as? [[String: String]])?.map { $0["role"]! }
            #expect(roles == ["owner", "reader"])
            let permissionId = (permissions["permissions"] as? [[String: String]])![1]["id"]!
            #expect(
                try await drive.send(.DELETE, "/drive/v3/files/\(folder)/permissions/\(permissionId)").status == 204
            )
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)", headers: asBob).status == 404)
        }
    }

    @Test func sharedDrivesNeedSupportsAllDrives() async throws {
        try await withRunningEmulator { drive in
            let created = try json(
                try await drive.send(
                    .POST,
                    "/drive/v3/drives?requestId=r1",
                    body: ByteBuffer(string: #"{"name":"Team"}"#)
                )
            )
            let driveId = try #require(created["id"] as? String)
            #expect(
                try await drive.send(
                    .POST,
                    "/drive/v3/drives?requestId=r1",
                    body: ByteBuffer(string: #"{"name":"Team"}"#)
                ).status == 409
            )
            let file = try await drive.send(
                .POST,
                "/drive/v3/files?supportsAllDrives=true&fields=id,driveId",
                body: ByteBuffer(string: #"{"name":"t.txt","parents":["\#(driveId)"]}"#)
            )
            let fileId = try #require(try json(file)["id"] as? String)
            #expect(try json(file)["driveId"] as? String == driveId)
            #expect(try await drive.send(.GET, "/drive/v3/files/\(fileId)").status == 404)
            #expect(try await drive.send(.GET, "/drive/v3/files/\(fileId)?supportsAllDrives=TRUE").status == 200)
            let listed = try json(
                try await drive.send(
                    .GET,
                    "/drive/v3/files?corpora=drive&driveId=\(driveId)&includeItemsFromAllDrives=true&supportsAllDrives=true"
                )
            )
            #expect((listed["files"] as? [[String: Any]])?.count == 1)
            let drives = try json(try await drive.send(.GET, "/drive/v3/drives"))
            #expect((drives["drives"] as? [[String: Any]])?.first?["name"] as? String == "Team")
        }
    }
}

struct LimitsTests {
    @Test func sustainedWritesAreThrottledAndRecover() async throws {
        let (clock, control) = EmulatorClock.manual()
        let configuration = EmulatorConfiguration(limits: .init(writesPerSecond: 3, writeBurst: 3), clock: clock)
        try await withRunningEmulator(configuration: configuration) { drive in
            for _ in 0..<3 {
                #expect(try await drive.send(.POST, "/drive/v3/files", body: ByteBuffer(string: "{}")).status == 200)
            }
            let refused = try await drive.send(.POST, "/drive/v3/files", body: ByteBuffer(string: "{}"))
            #expect(refused.status == 403)
            #expect(refused.text.contains("userRateLimitExceeded"))
            #expect(try await drive.send(.GET, "/drive/v3/files").status == 200, "reads are not writes")
            control.advance(by: 0.34)
            #expect(try await drive.send(.POST, "/drive/v3/files", body: ByteBuffer(string: "{}")).status == 200)
            // Benchmarks count each tool's refusals here rather than in its log.
            #expect(try json(try await drive.send(.GET, "/emulator/admin/refusals"))["rateLimit"] as? Int == 1)
            _ = try await drive.send(.DELETE, "/emulator/admin/calls")
            #expect(drive.emulator.faults.rateLimitRefusals == 0)
        }
    }

    @Test func queryRateAnswers429WithRetryAfter() async throws {
        let (clock, control) = EmulatorClock.manual()
        try await withRunningEmulator(configuration: .init(limits: .init(queriesPerMinute: 2), clock: clock)) { drive in
            #expect(try await drive.send(.GET, "/drive/v3/files").status == 200)
            #expect(try await drive.send(.GET, "/drive/v3/files").status == 200)
            let refused = try await drive.send(.GET, "/drive/v3/files")
            #expect(refused.status == 429)
            #expect(refused.header("Retry-After") == "60")
            control.advance(by: 61)
            #expect(try await drive.send(.GET, "/drive/v3/files").status == 200)
        }
    }

    @Test func storageQuotaAndDailyUploadCap() async throws {
        let configuration = EmulatorConfiguration(
            users: [.init(email: "q@example.com", token: "t", storageLimit: 10)],
            limits: .init(dailyUploadBytes: 10)
        )
        try await withRunningEmulator(configuration: configuration) { drive in
            _ = try await drive.upload("a", content: "123456")
            let full = try await drive.send(
                .POST,
                "/upload/drive/v3/files?uploadType=media",
                body: ByteBuffer(string: "123456")
            )
            #expect(full.status == 403)
            #expect(full.text.contains("storageQuotaExceeded"))
            let about = try json(try await drive.send(.GET, "/drive/v3/about?fields=storageQuota,user"))
            #expect((about["storageQuota"] as? [String: String])?["usage"] == "6")
            #expect((about["storageQuota"] as? [String: String])?["limit"] == "10")
            _ = try await drive.upload("b", content: "1234")
            let capped = try await drive.send(
                .POST,
                "/upload/drive/v3/files?uploadType=media",
                body: ByteBuffer(string: "")
            )
            #expect(capped.status == 403)
            #expect(capped.text.contains("User rate limit exceeded."))
        }
    }
}

struct FaultTests {
    @Test func statusFaultsMatchMethodAndCount() async throws {
        try await withRunningEmulator { drive in
            drive.emulator.faults.add(
                FaultRule(
                    method: "files.list",
                    count: 2,
                    action: .status(code: 403, reason: "rateLimitExceeded", message: nil, retryAfter: 7, html: nil)
                )
            )
            let first = try await drive.send(.GET, "/drive/v3/files")
            #expect(first.status == 403)
            #expect(first.header("Retry-After") == "7")
            #expect(first.text.contains("rateLimitExceeded"))
            #expect(try await drive.send(.GET, "/drive/v3/files/root").status == 200, "other methods pass")
            #expect(try await drive.send(.GET, "/drive/v3/files").status == 403)
            #expect(try await drive.send(.GET, "/drive/v3/files").status == 200)
            #expect(drive.emulator.faults.callCounts["files.list"] == 3)
        }
    }

    @Test func htmlRateLimitPageAndAdminEndpoint() async throws {
        try await withRunningEmulator { drive in
            let rule = #"{"method":"files.create","count":1,"action":{"status":{"code":429,"html":true}}}"#
            #expect(try await drive.send(.POST, "/emulator/admin/faults", body: ByteBuffer(string: rule)).status == 204)
            let reply = try await drive.send(
                .POST,
                "/upload/drive/v3/files?uploadType=multipart",
                headers: [("Content-Type", "multipart/related; boundary=BOUNDARY")],
                body: multipartBody(metadata: "{}", media: "x")
            )
            #expect(reply.status == 429)
            #expect(reply.header("Content-Type")?.hasPrefix("text/html") == true)
            let calls = try json(try await drive.send(.GET, "/emulator/admin/calls"))
            #expect(calls["files.create"] as? Int == 1)
        }
    }

    @Test func droppedResponseTruncatesDownload() async throws {
        try await withRunningEmulator { drive in
            let id = try await drive.upload("big.txt", content: String(repeating: "z", count: 100_000))["id"] as! String
            drive.emulator.faults.add(FaultRule(method: "files.get", action: .dropResponse))
            await #expect(throws: (any Error).self) {
                _ = try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media")
            }
            #expect(try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media").body.readableBytes == 100_000)
        }
    }

    @Test func randomFailuresAreReproducible() async throws {
        func run() async throws -> [Int] {
            try await withRunningEmulator { drive in
                drive.emulator.faults.setRandomFailures(RandomFaults(rate: 0.5, seed: 42))
                var statuses: [Int] = []
                for _ in 0..<12 { statuses.append(try await drive.send(.GET, "/drive/v3/files").status) }
                return statuses
            }
        }
        let first = try await run()
        #expect(first == (try await run()))
        #expect(first.contains(503) && first.contains(200))
    }
}

struct PersistenceTests {
    /// An emulator kept in a fresh folder, removed afterwards: what it holds survives a restart.
    private func withEmulatorFolder(_ body: (EmulatorConfiguration) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(
            EmulatorConfiguration(storage: .directory(directory), users: [.init(email: "p@example.com", token: "p")])
        )
    }

    @Test func metadataAndContentSurviveRestart() async throws {
        try await withEmulatorFolder { configuration in
            let (id, cursor) = try await withRunningEmulator(configuration: configuration) { drive in
                let cursor =
                    try json(try await drive.send(.GET, "/drive/v3/changes/startPageToken"))["startPageToken"]
                    as! String
                return (try await drive.upload("keep.txt", content: "persisted")["id"] as! String, cursor)
            }
            try await withRunningEmulator(configuration: configuration) { drive in
                #expect(try await drive.send(.GET, "/drive/v3/files/\(id)?alt=media").text == "persisted")
                let changes = try json(
                    try await drive.send(.GET, "/drive/v3/changes?pageToken=\(cursor)&fields=changes(fileId)")
                )
                #expect((changes["changes"] as? [[String: String]])?.map { $0["fileId"]! } == [id])
            }
        }
    }

    /// Drive reports SHA-1 and SHA-256; the emulator computes them when an answer first asks, in every
    /// answer that carries files, and keeps them with the file until its content changes.
    @Test func shaDigestsAreThereWhenAskedForAndFollowTheContent() async throws {
        let hello = (
            sha1: "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed",
            sha256: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        )
        let bye = (
            sha1: "78c9a53e2f28b543ea62c8266acfdf36d5c63e61",
            sha256: "b49f425a7e1f9cff3856329ada223f2f9d368f15a00cf48df16ca95986137fe8"
        )
        try await withEmulatorFolder { configuration in
            let id = try await withRunningEmulator(configuration: configuration) { drive in
                let cursor =
                    try json(try await drive.send(.GET, "/drive/v3/changes/startPageToken"))["startPageToken"]
                    as! String
                let created = try json(
                    try await drive.send(
                        .POST,
                        "/upload/drive/v3/files?uploadType=multipart&fields=id,sha1Checksum,sha256Checksum",
                        headers: [("Content-Type", "multipart/related; boundary=BOUNDARY")],
                        body: multipartBody(metadata: #"{"name":"h.txt"}"#, media: "hello world")
                    )
                )
                #expect(created["sha1Checksum"] as? String == hello.sha1)
                #expect(created["sha256Checksum"] as? String == hello.sha256)
                let id = try #require(created["id"] as? String)
                let listed = try json(try await drive.send(.GET, "/drive/v3/files?fields=files(id,sha256Checksum)"))
                #expect((listed["files"] as? [[String: String]])?.first?["sha256Checksum"] == hello.sha256)
                let path = "/upload/drive/v3/files/\(id)?uploadType=media&fields=id,md5Checksum"
                let updated = try json(try await drive.send(.PATCH, path, body: ByteBuffer(string: "bye")))
                #expect(updated["sha1Checksum"] == nil, "only what fields selects")
                let changes = try json(
                    try await drive.send(
                        .GET,
                        "/drive/v3/changes?pageToken=\(cursor)&fields=changes(file(sha1Checksum))"
                    )
                )
                #expect(
                    (changes["changes"] as? [[String: [String: String]]])?.first?["file"]?["sha1Checksum"] == bye.sha1
                )
                return id
            }
            try await withRunningEmulator(configuration: configuration) { drive in
                let file = try json(try await drive.send(.GET, "/drive/v3/files/\(id)?fields=*"))
                #expect(file["sha1Checksum"] as? String == bye.sha1)
                #expect(file["sha256Checksum"] as? String == bye.sha256)
            }
        }
    }

    /// Writes reach SQLite after the state lock, many in one commit: each acknowledged write is there
    /// after a restart, and a file's later write is never overtaken by its earlier one.
    @Test func concurrentWritesSurviveRestartInTheirOrder() async throws {
        try await withEmulatorFolder { configuration in
            let ids = try await withRunningEmulator(configuration: configuration) { drive in
                try await withThrowingTaskGroup(of: String.self) { group in
                    for index in 0..<24 {
                        group.addTask {
                            let id = try await drive.upload("file\(index).txt", content: "\(index)")["id"] as! String
                            for round in 1...3 {
                                let renamed = try await drive.send(
                                    .PATCH,
                                    "/drive/v3/files/\(id)",
                                    body: ByteBuffer(string: #"{"name":"file\#(index)-\#(round).txt"}"#)
                                )
                                #expect(renamed.status == 200)
                            }
                            return id
                        }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
            }
            try await withRunningEmulator(configuration: configuration) { drive in
                let listed = try json(try await drive.send(.GET, "/drive/v3/files?pageSize=100&fields=files(id,name)"))
                let names = Dictionary(
                    uniqueKeysWithValues: (listed["files"] as! [[String: String]]).map { ($0["id"]!, $0["name"]!) }
                )
                #expect(Set(names.keys) == Set(ids))
                #expect(Set(names.values) == Set((0..<24).map { "file\($0)-3.txt" }))
            }
        }
    }
}

struct BatchTests {
    @Test func batchRunsEachCallWithItsOwnStatusLFOrCRLF() async throws {
        try await withRunningEmulator { drive in
            let id = try await drive.upload("b.txt", content: "x")["id"] as! String
            let parts = [
                "--batch_foo", "Content-Type: application/http", "Content-ID: <abc + 1>", "",
                "GET /drive/v3/files/\(id)?fields=id,name HTTP/1.1", "Host: www.googleapis.com", "", "",
                "--batch_foo", "Content-Type: application/http", "Content-ID: <abc + 2>", "",
                "PATCH /drive/v3/files/\(id)?fields=name HTTP/1.1", "Content-Type: application/json", "",
                #"{"name":"renamed"}"#,
                "--batch_foo", "Content-Type: application/http", "Content-ID: <abc + 3>", "",
                "GET /drive/v3/files/NOPE HTTP/1.1", "", "",
                "--batch_foo--", "",
            ]
            for newline in ["\n", "\r\n"] {
                let reply = try await drive.send(
                    .POST,
                    "/batch/drive/v3",
                    headers: [("Content-Type", "multipart/mixed; boundary=\"batch_foo\"")],
                    body: ByteBuffer(string: parts.joined(separator: newline))
                )
                #expect(reply.status == 200)
                #expect(reply.header("Content-Type")?.hasPrefix("multipart/mixed; boundary=") == true)
                let text = reply.text
                #expect(text.contains("Content-ID: <response-abc + 1>"))
                #expect(text.contains("Content-ID: <response-abc + 3>"))
                #expect(text.contains("HTTP/1.1 200 OK"))
                #expect(text.contains(#""name": "renamed""#))
                #expect(text.contains("HTTP/1.1 404 Not Found"))
            }
            #expect(drive.emulator.faults.callCounts["files.update"] == 2, "each inner call counts")
        }
    }

    @Test func batchSendsMediaToTheDownloadService() async throws {
        try await withRunningEmulator { drive in
            let id = try await drive.upload("m.txt", content: "media bytes")["id"] as! String
            let body = [
                "--b", "Content-Type: application/http", "Content-ID: <m + 1>", "",
                "GET /drive/v3/files/\(id)?alt=media&supportsAllDrives=true HTTP/1.1", "", "", "--b--", "",
            ]
            let reply = try await drive.send(
                .POST,
                "/batch/drive/v3",
                headers: [("Content-Type", "multipart/mixed; boundary=b")],
                body: ByteBuffer(string: body.joined(separator: "\r\n"))
            )
            #expect(reply.text.contains("HTTP/1.1 302 Found"))
            #expect(!reply.text.contains("media bytes"), "no media inside a batch")
            let location = "\(drive.baseURL)/download/drive/v3/files/\(id)?alt=media&supportsAllDrives=true"
            #expect(reply.text.contains("Location: \(location)\r\n"))
            let download = try await drive.send(.GET, location)
            #expect(download.status == 200)
            #expect(download.text == "media bytes")
            #expect(try await drive.send(.POST, "/download/drive/v3/files/\(id)?alt=media").status == 404)
        }
    }

    @Test func batchRefusesMoreThanOneHundredCalls() async throws {
        try await withRunningEmulator { drive in
            let part = "--b\r\nContent-Type: application/http\r\n\r\nGET /drive/v3/about?fields=user HTTP/1.1\r\n\r\n"
            let body = String(repeating: part, count: 101) + "--b--\r\n"
            let reply = try await drive.send(
                .POST,
                "/batch/drive/v3",
                headers: [("Content-Type", "multipart/mixed; boundary=b")],
                body: ByteBuffer(string: body)
            )
            #expect(reply.status == 400)
        }
    }
}

struct PushNotificationTests {
    /// `changes.watch` from the feed's start, with `channel` as the request body.
    static func watchChanges(_ drive: RunningEmulator, _ channel: String) async throws -> RunningEmulator.Reply {
        let token =
            try json(try await drive.send(.GET, "/drive/v3/changes/startPageToken"))["startPageToken"] as! String
        return try await drive.send(
            .POST,
            "/drive/v3/changes/watch?pageToken=\(token)",
            body: ByteBuffer(string: channel)
        )
    }

    @Test(.timeLimit(.minutes(3))) func changesChannelSendsSyncThenChange() async throws {
        try await withRunningEmulator { drive in
            try await withWebhookReceiver { address, notifications in
                var iterator = notifications.makeAsyncIterator()
                let watch = try await Self.watchChanges(
                    drive,
                    #"{"id":"chan-1","type":"web_hook","address":"\#(address)","token":"target=tests","expiration":99999999999999}"#
                )
                #expect(watch.status == 200)
                let channel = try json(watch)
                #expect(channel["kind"] as? String == "api#channel")
                let resourceId = try #require(channel["resourceId"] as? String)
                let maximum = Int64(Date().timeIntervalSince1970 * 1000) + 7 * 86_400_000
                #expect(
                    Int64(channel["expiration"] as? String ?? "") ?? .max <= maximum + 60_000,
                    "expiration is capped at a week"
                )

                let sync = try #require(await iterator.next())
                #expect(sync.state == "sync")
                #expect(sync.header("X-Goog-Message-Number") == "1")
                #expect(sync.header("X-Goog-Channel-ID") == "chan-1")
                #expect(sync.header("X-Goog-Channel-Token") == "target=tests")
                #expect(sync.header("X-Goog-Resource-ID") == resourceId)
                #expect(sync.header("X-Goog-Resource-URI")?.hasPrefix(drive.baseURL) == true)
                #expect(sync.header("X-Goog-Channel-Expiration")?.hasSuffix(" GMT") == true)

                _ = try await drive.upload("new.txt", content: "n")
                let change = try #require(await iterator.next())
                #expect(change.state == "change")
                #expect(Int(change.header("X-Goog-Message-Number") ?? "") ?? 0 > 1)

                let stop = try await drive.send(
                    .POST,
                    "/drive/v3/channels/stop",
                    body: ByteBuffer(string: #"{"id":"chan-1","resourceId":"\#(resourceId)"}"#)
                )
                #expect(stop.status == 204)
                #expect(
                    try await drive.send(
                        .POST,
                        "/drive/v3/channels/stop",
                        body: ByteBuffer(string: #"{"id":"chan-1","resourceId":"\#(resourceId)"}"#)
                    ).status == 404
                )
            }
        }
    }

    @Test(.timeLimit(.minutes(3))) func notificationFaultsDuplicateDelayAndEndChannelsFromTheAdminEndpoint()
        async throws
    {
        try await withRunningEmulator { drive in
            try await withWebhookReceiver { address, notifications in
                var iterator = notifications.makeAsyncIterator()
                let watch = try await Self.watchChanges(
                    drive,
                    #"{"id":"chan-f","type":"web_hook","address":"\#(address)","token":"t"}"#
                )
                #expect(watch.status == 200)
                #expect(try #require(await iterator.next()).state == "sync")
                let listed = try await drive.send(.GET, "/emulator/admin/channels")
                #expect(listed.text.contains(#""id":"chan-f""#) && listed.text.contains(#""token":"t""#))

                let faults = "/emulator/admin/notifications/faults"
                #expect(try await drive.send(.PUT, faults, body: ByteBuffer(string: #"{"duplicate":1}"#)).status == 204)
                _ = try await drive.upload("twice.txt", content: "2")
                let first = try #require(await iterator.next())
                let second = try #require(await iterator.next())
                #expect(first.state == "change" && second.state == "change")
                #expect(first.header("X-Goog-Message-Number") == second.header("X-Goog-Message-Number"))

                let body = ByteBuffer(string: #"{"delay":1,"delay_ms":300,"seed":3}"#)
                #expect(try await drive.send(.PUT, faults, body: body).status == 204)
                let sent = ContinuousClock.now
                _ = try await drive.upload("late.txt", content: "l")
                #expect(try #require(await iterator.next()).state == "change")
                #expect(ContinuousClock.now - sent >= .milliseconds(300), "delivered late")
                #expect(try await drive.send(.DELETE, faults).status == 204)

                let expire = try await drive.send(
                    .POST,
                    "/emulator/admin/channels/expire",
                    body: ByteBuffer(string: "{}")
                )
                #expect(expire.status == 204)
                #expect(drive.emulator.watchChannels.isEmpty, "ended before its expiration")
                let bad = try await drive.send(.PUT, faults, body: ByteBuffer(string: "[1]"))
                #expect(bad.status == 400)
            }
        }
    }

    @Test(.timeLimit(.minutes(3))) func fileChannelReportsUpdateTrashAndExpiry() async throws {
        let (clock, control) = EmulatorClock.manual(startingAt: Date())
        try await withRunningEmulator(configuration: .init(clock: clock)) { drive in
            try await withWebhookReceiver { address, notifications in
                var iterator = notifications.makeAsyncIterator()
                let id = try await drive.upload("w.txt", content: "1")["id"] as! String
                let expiration = DriveTimestampMilliseconds.now(clock) + 3_600_000
                let watch = try await drive.send(
                    .POST,
                    "/drive/v3/files/\(id)/watch",
                    body: ByteBuffer(
                        string:
                            #"{"id":"file-1","type":"web_hook","address":"\#(address)","expiration":"\#(expiration)"}"#
                    )
                )
                #expect(watch.status == 200)
                #expect(await iterator.next()?.state == "sync")
                _ = try await drive.send(
                    .PATCH,
                    "/drive/v3/files/\(id)",
                    body: ByteBuffer(string: #"{"name":"renamed.txt"}"#)
                )
                let update = try #require(await iterator.next())
                #expect(update.state == "update")
                #expect(update.header("X-Goog-Changed") != nil)
                _ = try await drive.send(
                    .PATCH,
                    "/drive/v3/files/\(id)",
                    body: ByteBuffer(string: #"{"trashed":true}"#)
                )
                #expect(await iterator.next()?.state == "trash")
                control.advance(by: 7200)
                _ = try await drive.send(
                    .PATCH,
                    "/drive/v3/files/\(id)",
                    body: ByteBuffer(string: #"{"trashed":false}"#)
                )
                // The channel expired: the next thing received is from a fresh channel, not an untrash.
                _ = try await drive.send(
                    .POST,
                    "/drive/v3/files/\(id)/watch",
                    body: ByteBuffer(string: #"{"id":"file-2","type":"web_hook","address":"\#(address)"}"#)
                )
                let next = try #require(await iterator.next())
                #expect(next.header("X-Goog-Channel-ID") == "file-2")
                #expect(next.state == "sync")
            }
        }
    }
}

enum DriveTimestampMilliseconds {
    static func now(_ clock: EmulatorClock) -> Int64 { Int64(clock.now().timeIntervalSince1970 * 1000) }
}
