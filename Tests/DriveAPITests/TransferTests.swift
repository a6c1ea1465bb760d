import DriveAPI
import DriveEmulator
import DriveSyncTestSupport
import Foundation
import NIOCore
import Testing

struct UploadTests {
    static let size = 5 * 256 * 1024 + 1234

    @Test func resumableUploadInChunks() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let (url, data) = try temporaryFile(size: Self.size)
            defer { try? FileManager.default.removeItem(at: url) }
            let file = try await drive.uploadFile(at: url.path, metadata: File(name: "big.bin"))
            #expect(file.size == Int64(Self.size))
            #expect(file.md5Checksum == md5Hex(data))
            #expect(emulator.emulator.faults.callCounts["files.create"] == 7, "one initiation and six chunks")
            #expect(try await collect(drive.download(file)) == data)
        }
    }

    @Test(arguments: [
        FaultAction.partialChunk(persistBytes: 100_000, status: 503),
        FaultAction.dropRequest,
        FaultAction.status(code: 429, reason: "rateLimitExceeded", message: nil, retryAfter: nil, html: true),
    ])
    func resumesAfterAFailureMidChunk(fault: FaultAction) async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let (url, data) = try temporaryFile(size: Self.size, seed: 3)
            defer { try? FileManager.default.removeItem(at: url) }
            // The third request on the session fails: chunk two.
            emulator.emulator.faults.add(
                FaultRule(method: "PUT", path: "/upload/", count: 1, action: .latency(milliseconds: 0))
            )
            emulator.emulator.faults.add(FaultRule(method: "PUT", path: "/upload/", count: 1, action: fault))
            let file = try await drive.uploadFile(at: url.path, metadata: File(name: "resumed.bin"))
            #expect(file.md5Checksum == md5Hex(data))
            #expect(try await collect(drive.download(file)) == data)
        }
    }

    /// Bodies over 512 KiB go out in slices (TLS would otherwise encrypt a whole chunk at once): chunks
    /// and multipart bodies arrive byte for byte, and a chunk cut mid-way is sent again from its slices.
    @Test func bodiesSentInSlicesArriveIntactAndAreResent() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator, chunkSize: 1 << 20, multipartCutoff: 1 << 20)
            let (url, data) = try temporaryFile(size: (2 << 20) + 1234, seed: 5)
            defer { try? FileManager.default.removeItem(at: url) }
            emulator.emulator.faults.add(
                FaultRule(method: "PUT", path: "/upload/", count: 1, action: .latency(milliseconds: 0))
            )
            emulator.emulator.faults.add(FaultRule(method: "PUT", path: "/upload/", count: 1, action: .dropRequest))
            let chunked = try await drive.uploadFile(at: url.path, metadata: File(name: "sliced.bin"))
            #expect(chunked.md5Checksum == md5Hex(data))
            #expect(try await collect(drive.download(chunked)) == data)
            let (smallURL, smallData) = try temporaryFile(size: 800_000, seed: 6)
            defer { try? FileManager.default.removeItem(at: smallURL) }
            let multipart = try await drive.uploadFile(at: smallURL.path, metadata: File(name: "multipart.bin"))
            #expect(multipart.md5Checksum == md5Hex(smallData))
            #expect(try await collect(drive.download(multipart)) == smallData)
        }
    }

    @Test func expiredSessionStartsOver() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let (url, data) = try temporaryFile(size: Self.size, seed: 5)
            defer { try? FileManager.default.removeItem(at: url) }
            emulator.emulator.faults.add(
                FaultRule(method: "PUT", path: "/upload/", count: 2, action: .latency(milliseconds: 0))
            )
            emulator.emulator.faults.add(
                FaultRule(
                    method: "PUT",
                    path: "/upload/",
                    count: 1,
                    action: .status(code: 404, reason: "notFound", message: nil, retryAfter: nil, html: nil)
                )
            )
            let file = try await drive.uploadFile(at: url.path, metadata: File(name: "restarted.bin"))
            #expect(file.md5Checksum == md5Hex(data))
            let names = try await drive.allFiles(query: .name(is: "restarted.bin"))
            #expect(names.count == 1, "starting over must not leave a second file")
        }
    }

    @Test func persistedSessionContinuesInANewClient() async throws {
        try await withRunningEmulator { emulator in
            let store = InMemorySessionStore()
            let options = UploadOptions(sessionStore: store, sessionKey: "big.bin")
            let (url, data) = try temporaryFile(size: Self.size, seed: 9)
            defer { try? FileManager.default.removeItem(at: url) }
            // The first process dies after three chunks: a fatal answer stands in for the kill.
            emulator.emulator.faults.add(
                FaultRule(method: "PUT", path: "/upload/", count: 3, action: .latency(milliseconds: 0))
            )
            emulator.emulator.faults.add(
                FaultRule(
                    method: "PUT",
                    path: "/upload/",
                    count: 1,
                    action: .status(code: 400, reason: "badRequest", message: "killed", retryAfter: nil, html: nil)
                )
            )
            await #expect(throws: DriveAPIError.self) {
                _ = try await makeClient(emulator).uploadFile(
                    at: url.path,
                    metadata: File(name: "big.bin"),
                    options: options
                )
            }
            let saved = try #require(await store.session(for: "big.bin"))
            #expect(saved.confirmedOffset == 3 * 256 * 1024)
            emulator.emulator.faults.resetCallCounts()
            let file = try await makeClient(emulator).uploadFile(
                at: url.path,
                metadata: File(name: "big.bin"),
                options: options
            )
            #expect(file.md5Checksum == md5Hex(data))
            // One status query and the three remaining chunks; no new initiation.
            #expect(emulator.emulator.faults.callCounts["files.create"] == 4)
            #expect(await store.session(for: "big.bin") == nil)
        }
    }

    @Test func replacesContentOfAnExistingFile() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let original = try await drive.upload(ByteBuffer(string: "old"), metadata: File(name: "r.bin"))
            let (url, data) = try temporaryFile(size: Self.size, seed: 11)
            defer { try? FileManager.default.removeItem(at: url) }
            let updated = try await drive.uploadFile(at: url.path, metadata: File(), replacing: original.id)
            #expect(updated.id == original.id)
            #expect(updated.md5Checksum == md5Hex(data))
        }
    }
}

struct DownloadTests {
    @Test func rangedDownloadResumesAfterADroppedConnection() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let (url, data) = try temporaryFile(size: 3 << 20, seed: 2)
            defer { try? FileManager.default.removeItem(at: url) }
            let file = try await drive.uploadFile(at: url.path, metadata: File(name: "d.bin"))
            emulator.emulator.faults.add(
                FaultRule(method: "files.get", path: file.id!, count: 1, action: .dropResponse)
            )
            #expect(try await collect(drive.download(file)) == data)
            #expect(file.headRevisionId != nil)
            #expect(
                emulator.emulator.faults.callCounts["files.get"] == 3,
                "a revision check, then the request resumed with Range"
            )
            let middle = try await collect(drive.download(fileId: file.id!, range: 1000..<5000))
            #expect(middle == data[1000..<5000])
            let tail = try await collect(drive.download(fileId: file.id!, range: Int64(data.count - 10)..<Int64.max))
            #expect(tail == data.suffix(10), "a range open at the end stops at the end of the file")
        }
    }

    @Test func aFileChangedMidStreamIsReportedNotMixed() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let (url, data) = try temporaryFile(size: 3 << 20, seed: 3)
            defer { try? FileManager.default.removeItem(at: url) }
            let file = try await drive.uploadFile(at: url.path, metadata: File(name: "c.bin"))
            let (newURL, _) = try temporaryFile(size: 3 << 20, seed: 4)
            defer { try? FileManager.default.removeItem(at: newURL) }
            emulator.emulator.faults.add(
                FaultRule(method: "files.get", path: file.id!, count: 1, action: .dropResponse)
            )
            var received = Data()
            do {
                for try await buffer in drive.download(file) {
                    // Replaced on Drive while the first half is arriving.
                    if received.isEmpty {
                        _ = try await drive.uploadFile(at: newURL.path, metadata: File(), replacing: file.id)
                    }
                    received.append(contentsOf: buffer.readableBytesView)
                }
                Issue.record("a file replaced mid-stream must not be delivered as one")
            } catch let error as DriveAPIError {
                #expect(error.code == .contentChanged, "\(error)")
            }
            #expect(
                received.count < data.count && received == data.prefix(received.count),
                "only the first version's bytes were delivered"
            )
        }
    }

    @Test func detectsAnMD5Mismatch() async throws {
        try await withRunningEmulator { emulator in
            let drive = makeClient(emulator)
            let file = try await drive.upload(ByteBuffer(string: "genuine"), metadata: File(name: "m.txt"))
            do {
                _ = try await collect(drive.download(fileId: file.id!, expectedMD5: "00000000000000000000000000000000"))
                Issue.record("a mismatched MD5 must fail the download")
            } catch let error as DriveAPIError {
                #expect(error.code == .checksumMismatch, "\(error)")
            }
        }
    }
}
