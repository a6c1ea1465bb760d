import Crypto
import DriveEmulator
import DriveSyncTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

struct ResumableTests {
    static let chunk = 256 * 1024

    static func content(_ size: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
    }

    func initiate(
        _ drive: RunningEmulator,
        size: Int,
        path: String = "/upload/drive/v3/files?uploadType=resumable&fields=id,size,md5Checksum"
    ) async throws -> String {
        let reply = try await drive.send(
            .POST,
            path,
            headers: [("Content-Type", "application/json; charset=UTF-8"), ("X-Upload-Content-Length", "\(size)")],
            body: ByteBuffer(string: #"{"name":"big.bin"}"#)
        )
        #expect(reply.status == 200)
        return try #require(reply.header("Location"))
    }

    func put(
        _ drive: RunningEmulator,
        _ location: String,
        _ data: ByteBuffer,
        from: Int,
        to: Int,
        total: Int
    ) async throws -> RunningEmulator.Reply {
        try await drive.send(
            .PUT,
            location,
            headers: [("Content-Range", "bytes \(from)-\(to)/\(total)")],
            body: data.getSlice(at: from, length: to - from + 1)
        )
    }

    @Test func resumesAfterPartialChunkFailure() async throws {
        try await withRunningEmulator { drive in
            let size = 3 * Self.chunk + 1000
            let data = Self.content(size)
            let location = try await initiate(drive, size: size)
            #expect(location.hasPrefix(drive.baseURL + "/upload/drive/v3/files?"))
            var reply = try await put(drive, location, data, from: 0, to: Self.chunk - 1, total: size)
            #expect(reply.status == 308)
            #expect(reply.header("Range") == "bytes=0-\(Self.chunk - 1)")
            #expect(reply.header("Location") == nil)

            drive.emulator.faults.add(
                FaultRule(method: "PUT", action: .partialChunk(persistBytes: 100_000, status: 503))
            )
            reply = try await put(drive, location, data, from: Self.chunk, to: 2 * Self.chunk - 1, total: size)
            #expect(reply.status == 503)

            reply = try await drive.send(.PUT, location, headers: [("Content-Range", "bytes */\(size)")])
            #expect(reply.status == 308)
            let persisted = Self.chunk + 100_000
            #expect(reply.header("Range") == "bytes=0-\(persisted - 1)")

            // A non-multiple chunk keeps only whole 256 KiB units; the client resumes from Range.
            reply = try await put(
                drive,
                location,
                data,
                from: persisted,
                to: persisted + Self.chunk + 5 - 1,
                total: size
            )
            #expect(reply.status == 308)
            let kept = try #require(reply.header("Range").flatMap { Int($0.split(separator: "-").last!) }) + 1
            #expect(kept == persisted + Self.chunk)
            reply = try await put(drive, location, data, from: kept, to: size - 1, total: size)
            #expect(reply.status == 201)
            let file = try json(reply)
            #expect(file["size"] as? String == "\(size)")
            let expectedMD5 = md5Hex(data)
            #expect(file["md5Checksum"] as? String == expectedMD5)
            let download = try await drive.send(.GET, "/drive/v3/files/\(file["id"] as! String)?alt=media")
            #expect(download.body == data)
            // A finished session no longer exists.
            #expect(try await drive.send(.PUT, location, headers: [("Content-Range", "bytes */\(size)")]).status == 404)
        }
    }

    @Test func droppedConnectionMidChunkThenStatusQuery() async throws {
        try await withRunningEmulator { drive in
            let size = 2 * Self.chunk
            let data = Self.content(size)
            let location = try await initiate(
                drive,
                size: size,
                path: "/resumable/upload/drive/v3/files?fields=id,size"
            )
            drive.emulator.faults.add(FaultRule(method: "PUT", action: .dropRequest))
            await #expect(throws: (any Error).self) {
                _ = try await put(drive, location, data, from: 0, to: size - 1, total: size)
            }
            let status = try await drive.send(.PUT, location, headers: [("Content-Range", "bytes */\(size)")])
            #expect(status.status == 308)
            let next = (status.header("Range").flatMap { Int($0.split(separator: "-").last!) } ?? -1) + 1
            #expect(next == Self.chunk, "half of a 2-chunk body keeps one whole chunk")
            let done = try await put(drive, location, data, from: next, to: size - 1, total: size)
            #expect(done.status == 201)
            #expect(try json(done)["size"] as? String == "\(size)")
        }
    }

    @Test func expiredSessionAnswers404AndSmallChunksAreRefused() async throws {
        try await withRunningEmulator { drive in
            let size = 2 * Self.chunk
            let data = Self.content(size)
            let location = try await initiate(drive, size: size)
            #expect(try await put(drive, location, data, from: 0, to: 999, total: size).status == 400)
            #expect(
                try await put(drive, location, data, from: 10, to: Self.chunk + 9, total: size).status == 400,
                "offset past what was received"
            )
            try drive.emulator.expireUploadSessions()
            #expect(try await put(drive, location, data, from: 0, to: Self.chunk - 1, total: size).status == 404)
        }
    }

    @Test func updateSessionWithPatchAndPostChunks() async throws {
        try await withRunningEmulator { drive in
            let id = try await drive.upload("u.txt", content: "old")["id"] as! String
            let initiated = try await drive.send(
                .PATCH,
                "/upload/drive/v3/files/\(id)?uploadType=resumable&fields=id,size"
            )
            let location = try #require(initiated.header("Location"))
            let reply = try await drive.send(
                .POST,
                location,
                headers: [("Content-Type", "application/octet-stream")],
                body: ByteBuffer(string: "brand new")
            )
            #expect(reply.status == 200)
            #expect(try json(reply)["size"] as? String == "9")
        }
    }
}

func md5Hex(_ buffer: ByteBuffer) -> String {
    Insecure.MD5.hash(data: Data(buffer.readableBytesView)).map { String(format: "%02x", $0) }.joined()
}
