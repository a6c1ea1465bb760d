import Foundation
import Synchronization

/// The `drivesync` executable run as a real process: for tests of signals, exit statuses and crashes,
/// which only a real process can show. Its standard output and error come back as one stream of lines.
public final class DriveSyncProcess: Sendable {
    /// The executable `swift build` put beside the test bundle.
    public static var executable: String {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The xctest bundle is a folder on some platforms; its executable sits inside it.
        let candidates = [
            folder, folder.deletingLastPathComponent(), folder.deletingLastPathComponent().deletingLastPathComponent(),
        ]
        return candidates.map { $0.appendingPathComponent("drivesync").path }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
            ?? folder.appendingPathComponent("drivesync").path
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Output lines as they arrive, standard output and error together (one reader).
    public let lines: AsyncStream<String>
    private let transcript = Transcript()

    /// Every line printed so far, whoever read `lines`: for failure messages.
    public var output: [String] { transcript.lines.withLock { $0 } }

    private final class Transcript: Sendable {
        let lines = Mutex<[String]>([])
    }
    private let exits: AsyncStream<Int32>
    private let process: Mutex<Process>
    public let processIdentifier: Int32

    /// Starts `drivesync ARGUMENTS` with `environment` over the test's own.
    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw Failure(
                description: "no drivesync executable at \(Self.executable); run swift build --build-tests first"
            )
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let (lines, lineContinuation) = AsyncStream.makeStream(of: String.self)
        let (exits, exitContinuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        let exited = Exited()
        process.terminationHandler = { finished in
            exited.flag.store(true, ordering: .releasing)
            // A process killed by a signal reports 128 + its number, as a shell would.
            exitContinuation.yield(
                finished.terminationReason == .uncaughtSignal
                    ? 128 + finished.terminationStatus : finished.terminationStatus
            )
            exitContinuation.finish()
        }
        // A thread of its own reads the output. The lines end at end of file, or once the process has
        // exited and nothing more arrives: a child started meanwhile by another test can inherit the
        // pipe's write end and hold the end of file back.
        let transcript = transcript
        Thread.detachNewThread {
            Self.readLines(from: pipe, until: exited, into: lineContinuation, transcript: transcript)
        }
        try process.run()
        self.processIdentifier = process.processIdentifier
        self.lines = lines
        self.exits = exits
        self.process = Mutex(process)
    }

    private final class Exited: Sendable {
        let flag = Atomic(false)
    }

    private static func readLines(
        from pipe: Pipe,
        until exited: Exited,
        into lines: AsyncStream<String>.Continuation,
        transcript: Transcript
    ) {
        let descriptor = pipe.fileHandleForReading.fileDescriptor
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let count = poll(&ready, 1, 100)
            if count < 0, errno == EINTR { continue }
            if count == 0 {
                if exited.flag.load(ordering: .acquiring) { break }
                continue
            }
            let received = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if received < 0, errno == EINTR { continue }
            if received <= 0 { break }
            pending += buffer[..<received]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                transcript.lines.withLock { $0.append(line) }
                lines.yield(line)
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty {
            let line = String(decoding: pending, as: UTF8.self)
            transcript.lines.withLock { $0.append(line) }
            lines.yield(line)
        }
        lines.finish()
    }

    /// Sends a signal (`SIGTERM`, `SIGINT`, `SIGKILL`) to the process.
    public func send(_ signal: Int32) {
        kill(processIdentifier, signal)
    }

    /// Waits for the output line that satisfies `predicate`, returning it; nil when the output ends first.
    public func waitForLine(where predicate: (String) -> Bool) async -> String? {
        for await line in lines where predicate(line) { return line }
        return nil
    }

    /// The exit status (128 + N for a process killed by signal N). A process still running after
    /// `limit` is killed and reported as a failure, so a hung process cannot hang the test suite.
    public func exitStatus(within limit: Duration = .seconds(60)) async throws -> Int32 {
        let exits = self.exits
        let pid = processIdentifier
        return try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in exits { return status }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: limit)  // a watchdog, not a wait for behaviour
                kill(pid, SIGKILL)
                throw Failure(description: "drivesync did not exit within \(limit); killed")
            }
            defer { group.cancelAll() }
            guard let status = try await group.next() ?? nil else {
                throw Failure(description: "drivesync's exit was not reported")
            }
            return status
        }
    }

    /// Everything the process printed after the lines read so far, once it has ended.
    public func remainingOutput() async -> [String] {
        var rest: [String] = []
        for await line in lines { rest.append(line) }
        return rest
    }
}
