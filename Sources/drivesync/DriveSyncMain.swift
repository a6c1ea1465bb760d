import ArgumentParser
import DriveSyncCommands
import Foundation
import Logging

@main
enum DriveSyncMain {
    static func main() async {
        do {
            var command = try DriveSyncCommand.parseAsRoot()
            // Once per process, before any logger exists: the level the command's flags ask for.
            let level = DriveSyncCommand.logLevel(of: command, environment: ProcessInfo.processInfo.environment)
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            DriveSyncCommand.exit(withError: error)
        }
    }
}
