import DriveSyncKit
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows a sync's progress: one redrawn line on a terminal (files, bytes, rate, ETA), plain lines per
/// file otherwise (with --verbose), nothing at all when neither applies.
final class ProgressDisplay: Sendable {
    private struct Counts {
        var actions = 0
        var bytes: Int64 = 0
        var doneActions = 0
        var doneBytes: Int64 = 0
        var failed = 0
        var lastDraw: ContinuousClock.Instant?
    }

    private let counts = Mutex(Counts())
    private let start = ContinuousClock.now
    let isTerminal: Bool
    let verbose: Bool

    init(verbose: Bool, isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.verbose = verbose
        self.isTerminal = isTerminal
    }

    func handle(_ event: SyncProgress) {
        let line: String? = counts.withLock { counts in
            switch event {
            case .planned(let actions, let bytes):
                counts.actions = actions
                counts.bytes = bytes
                return nil
            case .finished(let action, let bytes, let failed):
                counts.doneActions += 1
                counts.doneBytes += bytes
                if failed { counts.failed += 1 }
                if isTerminal {
                    let now = ContinuousClock.now
                    if let last = counts.lastDraw, now - last < .milliseconds(100), counts.doneActions < counts.actions
                    {
                        return nil
                    }
                    counts.lastDraw = now
                    return "\r\u{1B}[K"
                        + Self.status(
                            done: counts.doneActions,
                            of: counts.actions,
                            bytes: counts.doneBytes,
                            of: counts.bytes,
                            failed: counts.failed,
                            elapsed: now - start
                        )
                }
                return verbose ? "\(failed ? "failed" : "done"): \(action)\n" : nil
            }
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Ends the redrawn line.
    func finish() {
        if isTerminal, counts.withLock({ $0.lastDraw != nil }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// `files 3/10  1.0 MiB/4.0 MiB  512.0 KiB/s  ETA 0:06`.
    static func status(
        done: Int,
        of actions: Int,
        bytes doneBytes: Int64,
        of totalBytes: Int64,
        failed: Int,
        elapsed: Duration
    ) -> String {
        let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, 0.001)
        let rate = Double(doneBytes) / seconds
        var text = "files \(done)/\(actions)  \(bytes(doneBytes))/\(bytes(totalBytes))  \(bytes(Int64(rate)))/s"
        if rate > 0, totalBytes > doneBytes {
            let remaining = Int(Double(totalBytes - doneBytes) / rate)
            text += "  ETA \(remaining / 60):" + String(format: "%02d", remaining % 60)
        }
        if failed > 0 { text += "  \(failed) failed" }
        return text
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
