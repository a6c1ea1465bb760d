import DriveSyncTestSupport
import Foundation
import Testing

/// The metrics `main` bootstraps: a very verbose run (`-vv`) ends with its Drive calls in Prometheus'
/// text format on stderr; a normal run prints none.
struct MetricsEndToEndTests {
    @Test func aVeryVerboseRunEndsWithItsDriveCallsByMethod() async throws {
        try await withRunningEmulator { emulator in
            let home = try ProcessHome(emulator)
            defer { home.cleanUp() }
            let pair = try DrivePair(emulator, target: "Measured")
            defer { pair.cleanUp() }
            try pair.write("a.txt", "alpha")
            try pair.write("b/c.txt", "charlie")
            let arguments = ["sync", pair.root, "emu:Measured", "--config", home.config]

            let verbose = try DriveSyncProcess(arguments + ["-vv"], environment: home.environment)
            let lines = await verbose.remainingOutput()
            #expect(try await verbose.exitStatus() == 0, "\(lines.suffix(5))")
            let creates = lines.first {
                $0.hasPrefix(#"drivesync_api_requests_total{method="files.create",status="2xx"}"#)
            }
            #expect(creates?.split(separator: " ").last == "4", "the target, b/ and two files: \(creates ?? "none")")

            let quiet = try DriveSyncProcess(arguments, environment: home.environment)
            let quietLines = await quiet.remainingOutput()
            #expect(try await quiet.exitStatus() == 0)
            #expect(!quietLines.contains { $0.contains("drivesync_api_requests_total") })
        }
    }
}
