import ArgumentParser
import DriveEmulator
import Testing

@testable import DriveSyncCommands

struct EmulatorCommandTests {
    @Test func parsesUsersAndStorage() throws {
        let command = try DriveSyncCommand.parseAsRoot([
            "emulator", "--port", "0", "--data", "/tmp/x", "--user", "a@x", "--token", "t1", "--user", "b@x", "--token",
            "t2",
        ])
        let emulator = try #require(command as? EmulatorCommand)
        let (configuration, accounts) = emulator.makeConfiguration()
        #expect(accounts.map(\.0) == ["a@x", "b@x"])
        #expect(configuration.users.map(\.token) == ["t1", "t2"])
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
        let (_, first) = command.makeConfiguration()
        let (_, second) = command.makeConfiguration()
        #expect(first.first?.0 == "me@drivesync.local")
        #expect(first.first?.1 != second.first?.1)
    }
}
