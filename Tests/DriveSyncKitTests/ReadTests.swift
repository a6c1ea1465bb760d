import DriveSyncCore
import DriveSyncKit
import DriveSyncTestSupport
import Foundation
import NIOCore
import Testing

struct ReadTests {
    @Test func streamsAFileOrARangeAndRefusesFolders() async throws {
        try await withRunningEmulator { emulator in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("kit-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: home) }
            let data = home + "/Data"
            try FileManager.default.createDirectory(atPath: data + "/logs", withIntermediateDirectories: true)
            let text = (0..<20_000).map { "line \($0)\n" }.joined()
            try Data(text.utf8).write(to: URL(fileURLWithPath: data + "/logs/big.log"))
            var configuration = Configuration()
            try configuration.apply(
                "[account emu]\nendpoint = \(emulator.baseURL)\naccess_token = \(emulator.token)\npacing = none\n",
                from: "test"
            )
            let driveSync = DriveSync(configuration: configuration, home: home)
            _ = try await driveSync.sync(
                DriveSync.SyncRequest(source: data, destination: .drive(account: nil, path: try RemotePath("Data")))
            )

            let file = Location.drive(account: nil, path: try RemotePath("Data/logs/big.log"))
            // Hashed as it streams: the content is never held whole.
            let (count, lines) = try await driveSync.read(file) { stream in
                var count = 0
                var lines = 0
                for try await buffer in stream {
                    count += buffer.readableBytes
                    lines += buffer.readableBytesView.filter { $0 == UInt8(ascii: "\n") }.count
                }
                return (count, lines)
            }
            #expect(count == text.utf8.count && lines == 20_000)
            let verified = try await driveSync.read(file, verify: true) { stream in
                var count = 0
                for try await buffer in stream { count += buffer.readableBytes }
                return count
            }
            #expect(verified == count)
            let middle = try await driveSync.read(file, range: 7..<13) { stream in
                var bytes: [UInt8] = []
                for try await buffer in stream { bytes += buffer.readableBytesView }
                return String(decoding: bytes, as: UTF8.self)
            }
            #expect(middle == "line 1")
            let folder = await #expect(throws: DriveSyncError.self) {
                try await driveSync.read(.drive(account: nil, path: try RemotePath("Data/logs"))) { _ in 0 }
            }
            #expect(folder?.description.contains("not a file") == true)
        }
    }
}
