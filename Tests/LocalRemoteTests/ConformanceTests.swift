import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import LocalRemote
import Testing

struct ConformanceTests {
    @Test func localFolderConforms() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("local-remote-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await RemoteConformance.run(try LocalFolderRemote(root: root))
    }

    @Test func inMemoryRemoteConforms() async throws {
        try await RemoteConformance.run(InMemoryRemote())
    }
}

struct RemotePathTests {
    @Test(arguments: ["..", "a/../b", "./x", "a/\u{0}b"])
    func refusesNamesThatEscape(text: String) {
        #expect(throws: RemotePath.InvalidPath.self) { try RemotePath(text) }
    }

    @Test func parsesAndOrders() throws {
        let path = try RemotePath("/Notes//2024/a.txt/")
        #expect(path.components == ["Notes", "2024", "a.txt"])
        #expect(path.parent?.description == "Notes/2024")
        #expect(path.name == "a.txt")
        #expect(try RemotePath("a") < RemotePath("a/b"))
        #expect(try RemotePath("a/b") < RemotePath("a b"))
        #expect(try RemotePath("Notes").contains(path))
        #expect(throws: RemotePath.InvalidPath.self) { try path.appending("x/y") }
    }
}
