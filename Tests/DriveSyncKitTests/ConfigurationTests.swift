import DriveAuth
import DriveSyncCore
import Foundation
import Testing

@testable import DriveSyncKit

struct ConfigurationTests {
    @Test func readsDefaultsAndAccounts() throws {
        var configuration = Configuration()
        try configuration.apply(
            """
            [defaults]
            transfers = 8
            checkers = 2
            ignore = *.tmp, build/
            removals = trash
            replaced = revision
            archive_folder = Old/Versions

            [account work]
            endpoint = http://127.0.0.1:8080/
            access_token = abc
            remote_root = Team/Notes
            default = true
            pacing = none

            [account home]
            """,
            from: "user.ini"
        )
        #expect(configuration.transfers == 8 && configuration.checkers == 2)
        #expect(configuration.ignore == ["*.tmp", "build/"])
        #expect(configuration.removals == .trash && configuration.replaced == .revision)
        #expect(configuration.archiveFolder.description == "Old/Versions")
        let work = try #require(configuration.accounts.first { $0.isDefault })
        #expect(
            work.name == "work" && work.endpoint == "http://127.0.0.1:8080" && work.accessToken == "abc"
                && work.remoteRoot.description == "Team/Notes"
        )
        #expect(work.pacing == .none)
        #expect(
            configuration.accounts.first { $0.name == "home" }?.pacing == .drive,
            "Drive's limits unless an account says otherwise"
        )
        // A project's file overrides the user's.
        try configuration.apply("[defaults]\ntransfers = 1\n", from: "project/.drivesync.ini")
        #expect(configuration.transfers == 1 && configuration.sources == ["user.ini", "project/.drivesync.ini"])
    }

    @Test(arguments: [
        ("[defaults]\ntransfers = 0", "at least 1"),
        ("[defaults]\ncolour = blue", "unknown setting 'colour'"),
        ("[defaults]\nremovals = shred", "archive or trash"),
        ("[account a]\npacing = fast", "drive or none"),
        ("[account a]\nendpoint = ftp://x", "http(s) URL"),
        ("[account drive]", "not 'drive'"),
        ("[servers]", "unknown section"),
        ("[account a]\ndefault = true\n[account b]\ndefault = true", "more than one"),
    ])
    func refusesMistakesWithTheLine(text: String, message: String) {
        var configuration = Configuration()
        #expect {
            try configuration.apply(text, from: "c.ini")
        } throws: { error in
            (error as? Configuration.Invalid)?.description.contains(message) == true
        }
    }

    @Test func severalAccountsNeedADefault() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        var configuration = Configuration()
        #expect(
            try await DriveSync(configuration: configuration, home: home).defaultAccountName() == nil,
            "no account: the embedded drive"
        )
        try configuration.apply("[account a]\n", from: "c.ini")
        #expect(
            try await DriveSync(configuration: configuration, home: home).defaultAccountName() == "a",
            "the only account"
        )
        try configuration.apply("[account b]\n", from: "c.ini")
        let driveSync = DriveSync(configuration: configuration, home: home)
        await #expect(throws: DriveSyncError.self) { try await driveSync.defaultAccountName() }
        try driveSync.credentialStore.setDefault("b")
        #expect(try await driveSync.defaultAccountName() == "b", "auth default picks one")
    }

    @Test func findsTheUserFile() {
        #expect(Configuration.userFile(explicit: "x.ini", environment: [:]) == ("x.ini", true))
        #expect(Configuration.userFile(explicit: nil, environment: ["DRIVESYNC_CONFIG": "/c.ini"]) == ("/c.ini", true))
        #expect(
            Configuration.userFile(explicit: nil, environment: ["XDG_CONFIG_HOME": "/x"]) == (
                "/x/drivesync/config.ini", false
            )
        )
        #expect(
            Configuration.userFile(explicit: nil, environment: ["HOME": "/h"]) == (
                "/h/.config/drivesync/config.ini", false
            )
        )
        #expect(throws: Configuration.Invalid.self) { try Configuration.load(explicit: "/nonexistent/drivesync.ini") }
    }

    @Test func parsesLocations() throws {
        #expect(try Location(parsing: "drive:A/B") == .drive(account: nil, path: try RemotePath("A/B")))
        #expect(try Location(parsing: "drive:") == .drive(account: nil, path: .root))
        #expect(
            try Location(parsing: "work:Notes", accounts: ["work"])
                == .drive(account: "work", path: try RemotePath("Notes"))
        )
        #expect(try Location(parsing: "/tmp/a:b") == .local("/tmp/a:b"))
        #expect(try Location(parsing: "./x:y") == .local(FileManager.default.currentDirectoryPath + "/x:y"))
        #expect(throws: Location.Invalid.self) { try Location(parsing: "s3:bucket") }
        #expect(throws: Location.Invalid.self) { try Location(parsing: "drive:../etc") }
        #expect(throws: Location.Invalid.self) { try Location(parsing: "") }

        let shared = try Location(parsing: "work,shared_drive=Eng, Ops:Notes", accounts: ["work"])
        #expect(shared == .drive(account: "work", path: try RemotePath("Notes"), sharedDrive: "Eng, Ops"))
        #expect(try Location(parsing: shared.description, accounts: ["work"]) == shared, "it reads back")
        #expect(
            try Location(parsing: "drive:Notes").inSharedDrive("0AX")
                == (try Location(parsing: "drive,shared_drive=0AX:Notes"))
        )
        #expect(throws: Location.Invalid.self) { try Location(parsing: "drive,shared_drive=:Notes") }
        #expect(throws: Location.Invalid.self) { try Location(parsing: "/tmp/x").inSharedDrive("Eng") }
        #expect(throws: Location.Invalid.self) { try Location(parsing: "drive:x").inSharedDrive("a:b") }
    }

    @Test func parsesByteSizes() throws {
        #expect(Configuration.byteSize("750G") == 750_000_000_000)
        #expect(Configuration.byteSize("500 GiB") == 500 << 30)
        #expect(Configuration.byteSize("1024") == 1024)
        #expect(Configuration.byteSize("0") == 0)
        for bad in ["", "G", "12X", "-1G", "99999999999T"] { #expect(Configuration.byteSize(bad) == nil, "\(bad)") }
        let text = "[account a]\ndaily_upload_limit = 1T\n[account b]\ndaily_upload_limit = 0\n[account c]\n"
        var configuration = Configuration()
        try configuration.apply(text, from: "t.ini")
        #expect(configuration.account(named: "a")?.dailyUploadLimit == 1_000_000_000_000)
        #expect(configuration.account(named: "b")?.dailyUploadLimit == nil)
        #expect(configuration.account(named: "c")?.dailyUploadLimit == 750_000_000_000)
        #expect(throws: Configuration.Invalid.self) {
            try configuration.apply("[account d]\ndaily_upload_limit = lots\n", from: "t.ini")
        }
    }

    @Test func parsesDeletionLimits() {
        #expect(DeletionLimit(parsing: "10") == .count(10))
        #expect(DeletionLimit(parsing: "25%") == .fraction(0.25))
        #expect(DeletionLimit(parsing: "150%") == nil)
        #expect(DeletionLimit(parsing: "-1") == nil)
    }
}
