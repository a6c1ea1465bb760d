import Foundation
import NIOCore
import SQLDatabase
import Synchronization

/// Runs a helper program (`pdftotext`, a user's processor) the way untrusted work should run: a clean
/// environment (no tokens or keys of ours), input streamed to its standard input, output kept up to a
/// limit, stopped at a time limit or when the caller is cancelled.
struct Subprocess {
    struct Outcome {
        var output: [UInt8]
        /// Whether output past the limit was dropped (the program was stopped there).
        var cut: Bool
        /// The start of its standard error, for the failure's detail.
        var errorText: String
        var status: Int32
        var timedOut: Bool
    }

    /// The environment every helper gets.
    static let environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"]

    /// Where `command` is: itself when it names a path, else the first match on the clean `PATH`.
    static func executable(_ command: String) -> String? {
        if command.contains("/") { return FileManager.default.isExecutableFile(atPath: command) ? command : nil }
        return environment["PATH"]!.split(separator: ":").map { "\($0)/\(command)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run<Input: AsyncSequence<ByteBuffer, any Error>>(
        _ executable: String,
        _ arguments: [String],
        input: Input?,
        outputLimit: Int,
        timeout: Duration
    ) async throws -> Outcome {
        // A program that stops reading early must not take this process down with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let running = try Running(executable, arguments, hasInput: input != nil)
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Task.sleep(for: timeout)
                    running.stop(timedOut: true)
                }
                defer { group.cancelAll() }
                async let output = blocking { running.readOutput(limit: outputLimit) }
                async let errorText = blocking { running.readError() }
                if let input {
                    do {
                        for try await chunk in input {
                            try await blocking { try running.write(chunk) }
                        }
                    } catch let error as CocoaError where error.code == .fileWriteUnknown {
                        // The program closed its input: it has what it wants.
                    } catch let error as NSError where error.domain == NSPOSIXErrorDomain {
                        // EPIPE: likewise.
                    }
                    running.closeInput()
                }
                let (bytes, cut) = try await output
                let error = try await errorText
                let status = try await blocking { running.wait() }
                return Outcome(output: bytes, cut: cut, errorText: error, status: status, timedOut: running.timedOut)
            }
        } onCancel: {
            running.stop(timedOut: false)
        }
    }

    /// Runs a call that blocks until the program acts (reads of its output, writes to its input, its exit)
    /// on a thread of its own: NIO's small pool and Dispatch's shared one would be held by waiting programs,
    /// starving the file work and timers that need them.
    private static func blocking<T: Sendable>(_ call: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try call() }) }.start()
        }
    }

    /// A started process and its pipes. Foundation's `Process` is not `Sendable`; each member is used from
    /// one blocking call at a time, and `stop` only signals it.
    private final class Running: @unchecked Sendable {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        let error = Pipe()
        private let stopped = Mutex(false)
        private let timeoutFlag = Mutex(false)
        var timedOut: Bool { timeoutFlag.withLock { $0 } }

        init(_ executable: String, _ arguments: [String], hasInput: Bool) throws {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = Subprocess.environment
            process.currentDirectoryURL = FileManager.default.temporaryDirectory
            process.standardInput = hasInput ? input : FileHandle.nullDevice
            process.standardOutput = output
            process.standardError = error
            try process.run()
        }

        func write(_ chunk: ByteBuffer) throws {
            try input.fileHandleForWriting.write(contentsOf: Data(chunk.readableBytesView))
        }

        func closeInput() { try? input.fileHandleForWriting.close() }

        func readOutput(limit: Int) -> ([UInt8], cut: Bool) {
            var bytes: [UInt8] = []
            while let data = try? output.fileHandleForReading.read(upToCount: 1 << 16), !data.isEmpty {
                if bytes.count + data.count > limit {
                    bytes += data.prefix(limit - bytes.count)
                    stop(timedOut: false)
                    return (bytes, true)
                }
                bytes += data
            }
            return (bytes, false)
        }

        /// The first 4 KiB of standard error; the rest is read and dropped so the program never blocks on it.
        func readError() -> String {
            var bytes: [UInt8] = []
            while let data = try? error.fileHandleForReading.read(upToCount: 1 << 16), !data.isEmpty {
                bytes += data.prefix(max(0, 4096 - bytes.count))
            }
            return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func wait() -> Int32 {
            process.waitUntilExit()
            return process.terminationStatus
        }

        func stop(timedOut: Bool) {
            if timedOut { timeoutFlag.withLock { $0 = true } }
            guard
                stopped.withLock({ stopping in
                    defer { stopping = true }
                    return !stopping
                })
            else { return }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }
}
