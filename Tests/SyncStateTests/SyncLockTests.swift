import Foundation
import SyncState
import Testing

struct SyncLockTests {
    @Test func oneHolderAtATimeAndStaleLocksAreRecovered() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lock = try SyncLock.acquire(at: path)
        let held = #expect(throws: SyncLock.Held.self) { try SyncLock.acquire(at: path) }
        #expect(held?.pid == getpid())
        #expect(held?.description.contains("delete \(path)") == true)
        lock.release()
        let again = try SyncLock.acquire(at: path)
        again.release()

        // A lock whose process is gone (pid 2^22 + 1 is above Linux's default pid_max range in use).
        let stale = #"{"pid":4194305,"host":"\#(ProcessInfo.processInfo.hostName)","started":0}"#
        try Data(stale.utf8).write(to: URL(fileURLWithPath: path))
        let recovered = try SyncLock.acquire(at: path)
        recovered.release()
    }
}
