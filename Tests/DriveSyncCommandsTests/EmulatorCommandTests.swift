import ArgumentParser
import DriveSyncKit
import Testing

@testable import DriveSyncCommands

struct EmulatorCommandTests {
    @Test func parsesUsersAndStorage() throws {
        let command = try DriveSyncCommand.parseAsRoot([
            "emulator", "--port", "0", "--data", "/tmp/x", "--user", "a@x", "--token", "t1", "--user", "b@x", "--token",
            "t2",
        ])
        let emulator = try #require(command as? EmulatorCommand)
        let server = emulator.makeServer()
        #expect(server.accounts.map(\.email) == ["a@x", "b@x"])
        #expect(server.accounts.map(\.token) == ["t1", "t2"])
        #expect(server.dataFolder == "/tmp/x")
    }

    @Test(arguments: [
        ["emulator", "--data", "/tmp/x", "--in-memory"],
        ["emulator", "--user", "a@x"],
        ["emulator", "--tls-cert", "c.pem"],
        ["emulator", "--port", "70000"],
    ])
    func rejectsInconsistentOptions(arguments: [String]) {
        #expect(throws: (any Error).self) { try DriveSyncCommand.parseAsRoot(arguments) }
    }

    @Test func createsADefaultUserWithARandomToken() throws {
        let command = try #require(try DriveSyncCommand.parseAsRoot(["emulator", "--in-memory"]) as? EmulatorCommand)
        let first = command.makeServer().accounts
        let second = command.makeServer().accounts
        #expect(first.first?.email == "me@drivesync.local")
        #expect(first.first?.token != second.first?.token)
    }
}
