import ArgumentParser
import DriveSyncCommands
import DriveSyncKit
import Foundation
import Logging

@main
enum DriveSyncMain {
    static func main() async {
        // Once per process, before any metric exists: Drive calls by method and status, retries, bytes.
        ProcessMetrics.bootstrap()
        var level = Logger.Level.notice
        do {
            var command = try DriveSyncCommand.parseAsRoot()
            // Once per process, before any logger exists: the level the command's flags ask for.
            level = DriveSyncCommand.logLevel(of: command, environment: ProcessInfo.processInfo.environment)
            LoggingSystem.bootstrap { [level] label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            do {
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            } catch {
                report(at: level)
                throw error
            }
            report(at: level)
        } catch {
            DriveSyncCommand.exit(withError: error)
        }
    }

    /// At `-vv` (debug) and below, the run's metrics in Prometheus' text format on stderr, for seeing
    /// what the run asked of Drive.
    static func report(at level: Logger.Level) {
        guard level <= .debug else { return }
        FileHandle.standardError.write(Data(ProcessMetrics.exposition()))
    }
}
