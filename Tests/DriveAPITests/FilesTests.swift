import DriveAPI
import DriveEmulator
import DriveSyncTestSupport
import Foundation
import NIOCore
import Testing

struct ClientFilesTests {
    @Test func metadataLifecycleAndQueryRoundTrip() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let root = try await drive.getFile("root", fields: "id")
            let folder = try await drive.createFolder(named: "Notes", in: "root")
            let folderId = try #require(folder.id)
            #expect(folder.isFolder)
            let hostile = #"it's "x" \ y"#
            let created = try await drive.upload(
                ByteBuffer(string: "content"),
                metadata: File(
                    name: hostile,
                    parents: [folderId],
                    modifiedTime: Date(timeIntervalSince1970: 1_700_000_000.123456)
                )
            )
            #expect(created.size == 7)
            #expect(created.modifiedTime == Date(timeIntervalSince1970: 1_700_000_000.123))
            let found = try await drive.allFiles(
                query: .inParents(folderId) && .name(is: hostile) && .notTrashed,
                fields: "id,name"
            )
            #expect(found.map(\.name) == [hostile])

            let other = try await drive.createFolder(named: "Other", in: "root")
            var rename = File()
            rename.name = "renamed.txt"
            let moved = try await drive.updateFile(
                created.id!,
                rename,
                addParents: [other.id!],
                removeParents: [folderId]
            )
            #expect(moved.parents == [other.id!])
            #expect(moved.name == "renamed.txt")
            #expect(try await drive.trashFile(created.id!).trashed == true)
            #expect(try await drive.untrashFile(created.id!).trashed == false)
            let copy = try await drive.copyFile(created.id!, File(name: "copy.txt"))
            #expect(copy.md5Checksum == created.md5Checksum)
            try await drive.deleteFile(copy.id!)
            await #expect(throws: DriveAPIError.self) { try await drive.getFile(copy.id!) }
            _ = try await drive.trashFile(other.id!)
            try await drive.emptyTrash()
            await #expect(throws: DriveAPIError.self) { try await drive.getFile(created.id!) }
            #expect(root.id != nil)
        }
    }

    @Test func generatedIdsMakeRetriedCreatesSafe() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let ids = try await drive.generateIds(count: 3)
            #expect(ids.count == 3)
            _ = try await drive.createFile(File(id: ids[0], name: "once"))
            let again = await #expect(throws: DriveAPIError.self) {
                try await drive.createFile(File(id: ids[0], name: "once"))
            }
            #expect(again?.status == 409)
            #expect(again?.reason == "fileIdInUse")
        }
    }

    @Test func listPagesUntilTheLastToken() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            for index in 0..<7 { _ = try await drive.createFile(File(name: "f\(index)")) }
            var pages = 0
            var names: [String] = []
            for try await page in drive.listFiles(fields: "nextPageToken,files(name)", orderBy: "name", pageSize: 3) {
                pages += 1
                names += page.files?.compactMap(\.name) ?? []
            }
            #expect(pages == 3)
            #expect(names == (0..<7).map { "f\($0)" })
        }
    }

    @Test func changesPermissionsDrivesRevisionsAboutAndChannels() async throws {
        let configuration = EmulatorConfiguration(users: [
            .init(email: "a@example.com", token: "a"), .init(email: "b@example.com", token: "b"),
        ])
        try await withRunningEmulator(configuration: configuration) { emulator in
            let drive = makeClient(emulator)
            let start = try await drive.startPageToken()
            let file = try await drive.upload(ByteBuffer(string: "v1"), metadata: File(name: "doc.txt"))
            _ = try await drive.upload(ByteBuffer(string: "v2"), metadata: File(), replacing: file.id)
            let (changes, next) = try await drive.changes(since: start)
            #expect(changes.map(\.fileId) == [file.id])
            #expect(Int(next)! > Int(start)!)

            let shared = try await drive.createPermission(
                fileId: file.id!,
                Permission(type: "user", role: "reader", emailAddress: "b@example.com")
            )
            var permissions: [Permission] = []
            for try await page in drive.listPermissions(fileId: file.id!) { permissions += page.permissions ?? [] }
            #expect(permissions.compactMap(\.role).sorted() == ["owner", "reader"])
            #expect(try await drive.updatePermission(fileId: file.id!, id: shared.id!, role: "writer").role == "writer")
            try await drive.deletePermission(fileId: file.id!, id: shared.id!)

            var revisions: [Revision] = []
            for try await page in drive.listRevisions(fileId: file.id!) { revisions += page.revisions ?? [] }
            #expect(revisions.count == 2)
            #expect(
                try await collect(drive.downloadRevision(fileId: file.id!, revisionId: revisions[0].id!))
                    == Data("v1".utf8)
            )
            #expect(try await drive.keepRevisionForever(fileId: file.id!, id: revisions[0].id!).keepForever == true)
            try await drive.deleteRevision(fileId: file.id!, id: revisions[0].id!)

            let team = try await drive.createDrive(named: "Team", requestId: UUID().uuidString)
            let inTeam = try await drive.createFile(File(name: "t.txt", parents: [team.id!]))
            #expect(inTeam.driveId == team.id)
            let teamFiles = try await drive.allFiles(scope: .sharedDrive(team.id!))
            #expect(teamFiles.map(\.id) == [inTeam.id])
            var drives: [Drive] = []
            for try await page in drive.listDrives() { drives += page.drives ?? [] }
            #expect(drives.map(\.name) == ["Team"])

            let about = try await drive.about()
            #expect(about.user?.emailAddress == "a@example.com")
            #expect(about.maxUploadSize == 5_497_558_138_880)

            try await withWebhookReceiver { address, _ in
                let channel = try await drive.watchChanges(
                    from: next,
                    channel: Channel(id: "c1", address: address, token: "t")
                )
                #expect(channel.resourceId != nil)
                #expect(channel.expiration != nil)
                try await drive.stopChannel(id: "c1", resourceId: channel.resourceId!)
            }
        }
    }

    @Test func exportStreamsWorkspaceDocuments() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            var metadata = File(name: "Sheet", mimeType: "application/vnd.google-apps.spreadsheet")
            metadata.description = nil
            let sheet = try await drive.upload(
                ByteBuffer(string: "a,b\n1,2"),
                metadata: metadata,
                options: .init(contentType: "text/csv")
            )
            #expect(sheet.isWorkspaceDocument)
            let csv = try await collect(drive.export(fileId: sheet.id!, mimeType: "text/csv"))
            #expect(String(decoding: csv, as: UTF8.self) == "a,b\n1,2")
        }
    }

    @Test func anExportCutShortIsAnErrorNotAResumedMix() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let text = String(repeating: "a line of the document\n", count: 20_000)
            let doc = try await drive.upload(
                ByteBuffer(string: text),
                metadata: File(name: "Doc", mimeType: "application/vnd.google-apps.document"),
                options: .init(contentType: "text/plain")
            )
            emulator.emulator.faults.add(FaultRule(method: "files.export", count: 1, action: .dropResponse))
            let cut = await #expect(throws: DriveAPIError.self) {
                _ = try await collect(drive.export(fileId: doc.id!, mimeType: "text/plain"))
            }
            #expect(cut?.code == .transport)
            #expect(emulator.emulator.faults.callCounts["files.export"] == 1, "no Range request for the rest")
            #expect(try await collect(drive.export(fileId: doc.id!, mimeType: "text/plain")).count == text.utf8.count)
        }
    }
}

struct ExportFallbackTests {
    @Test func largeExportsFallBackToExportLinks() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator, chunkSize: 4 << 20, multipartCutoff: 1 << 20)
            let line = String(repeating: "lorem ipsum ", count: 10) + "\n"
            let text = String(repeating: line, count: 11_000_000 / line.utf8.count + 1)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("doc-\(UUID().uuidString).txt")
            try Data(text.utf8).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let doc = try await drive.uploadFile(
                at: url.path,
                metadata: File(name: "Big doc", mimeType: "application/vnd.google-apps.document"),
                options: .init(contentType: "text/plain")
            )
            let exported = try await collect(drive.export(fileId: doc.id!, mimeType: "text/plain"))
            #expect(exported.count == text.utf8.count)
            #expect(
                emulator.emulator.faults.callCounts["files.export"] == 2,
                "files.export refused, then the export link"
            )
        }
    }
}

struct QueryBuilderTests {
    @Test func buildsEscapedExpressions() {
        let query: Query = .inParents("F1") && .name(is: #"it's "x" \ y"#) && .notTrashed
        #expect(query.description == #"(('F1' in parents) and (name = 'it\'s "x" \\ y')) and (trashed = false)"#)
        #expect((!Query.isFolder).description == "not (mimeType = 'application/vnd.google-apps.folder')")
        #expect(Query.appProperty("k", is: "v").description == "appProperties has { key='k' and value='v' }")
        #expect(Query.inAnyParent(["a", "b"]).description == "'a' in parents or 'b' in parents")
        #expect(
            Query.modified(after: Date(timeIntervalSince1970: 0)).description
                == "modifiedTime > '1970-01-01T00:00:00.000Z'"
        )
        #expect(Fields("id,name").inFileList().description == "nextPageToken,incompleteSearch,files(id,name)")
    }
}
