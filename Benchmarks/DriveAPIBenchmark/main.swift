// Measures the DriveAPI client against a running emulator: upload and download throughput of a large
// file, the client's peak memory during each, and metadata calls per second.
//
//   DriveAPIBenchmark BASE_URL TOKEN [SIZE_MIB] [CHUNK_MIB...]
import AsyncHTTPClient
import DriveAPI
import Foundation
import NIOCore

func residentPeakMiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

/// Resets the kernel's peak-RSS counter, so each phase reports its own peak.
func resetPeak() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: DriveAPIBenchmark BASE_URL TOKEN [SIZE_MIB] [CHUNK_MIB...]")
    exit(2)
}
let base = arguments[1]
let token = arguments[2]
let sizeMiB = arguments.count > 3 ? Int(arguments[3]) ?? 1024 : 1024
let chunkSizes = arguments.count > 4 ? arguments[4...].compactMap { Int($0) } : [8]

let path = FileManager.default.temporaryDirectory.appendingPathComponent("driveapi-benchmark-\(getpid()).bin").path
_ = FileManager.default.createFile(atPath: path, contents: nil)
let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
let block = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
for _ in 0..<sizeMiB { handle.write(block) }
try handle.close()
defer { try? FileManager.default.removeItem(atPath: path) }

let clock = ContinuousClock()
print("file: \(sizeMiB) MiB over loopback; emulator at \(base)")
var uploaded: File?
for chunk in chunkSizes {
    let drive = DriveClient(
        httpClient: .shared,
        tokens: FixedAccessToken(token),
        configuration: .init(baseURL: base, chunkSize: chunk << 20),
        pacer: RequestPacer(configuration: .unlimited)
    )
    resetPeak()
    let start = clock.now
    let file = try await drive.uploadFile(at: path, metadata: File(name: "benchmark-\(chunk).bin"))
    let elapsed = seconds(clock.now - start)
    print(
        String(
            format: "upload, %2d MiB chunks: %7.1f MiB/s (%.1f s), client peak RSS %d MiB",
            chunk,
            Double(sizeMiB) / elapsed,
            elapsed,
            residentPeakMiB()
        )
    )
    uploaded = file
}

let drive = DriveClient(
    httpClient: .shared,
    tokens: FixedAccessToken(token),
    configuration: .init(baseURL: base),
    pacer: RequestPacer(configuration: .unlimited)
)
if let uploaded {
    resetPeak()
    let start = clock.now
    var bytes = 0
    for try await buffer in drive.download(uploaded) { bytes += buffer.readableBytes }
    let elapsed = seconds(clock.now - start)
    print(
        String(
            format: "download (MD5 verified): %7.1f MiB/s (%.1f s), client peak RSS %d MiB",
            Double(bytes) / Double(1 << 20) / elapsed,
            elapsed,
            residentPeakMiB()
        )
    )
}

let calls = 2000
let start = clock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for index in 0..<calls {
        if index >= 8 { try await group.next() }
        group.addTask { _ = try await drive.getFile("root", fields: "id") }
    }
    try await group.waitForAll()
}
let elapsed = seconds(clock.now - start)
print(String(format: "metadata: %.0f files.get calls/s (%d calls, 8 in flight)", Double(calls) / elapsed, calls))
