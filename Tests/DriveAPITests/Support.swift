import AsyncHTTPClient
import Crypto
import DriveAPI
import DriveEmulator
import DriveSyncCore
import DriveSyncTestSupport
import Foundation
import NIOCore

/// Backoff short enough that retry tests take milliseconds.
let fastRetries = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), jitter: .zero)

/// A client for a running emulator.
func makeClient(
    _ drive: RunningEmulator,
    tokens: (any AccessTokenProvider)? = nil,
    chunkSize: Int = 256 * 1024,
    multipartCutoff: Int64 = 256 * 1024,
    retry: RetryPolicy = fastRetries,
    pacing: PacingConfiguration = .unlimited,
    pacer: RequestPacer<ContinuousClock>? = nil
) -> DriveClient {
    DriveClient(
        httpClient: HTTPClient.shared,
        tokens: tokens ?? FixedAccessToken(drive.token),
        configuration: .init(
            baseURL: drive.baseURL,
            multipartCutoff: multipartCutoff,
            chunkSize: chunkSize,
            retry: retry
        ),
        pacer: pacer ?? RequestPacer(configuration: pacing)
    )
}

/// Writes `size` deterministic bytes to a new temporary file.
func temporaryFile(size: Int, seed: UInt8 = 7) throws -> (URL, Data) {
    let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ Int(seed)) })
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("driveapi-\(UUID().uuidString).bin")
    try data.write(to: url)
    return (url, data)
}

func collect(_ stream: DownloadStream) async throws -> Data {
    var data = Data()
    for try await buffer in stream { data.append(contentsOf: buffer.readableBytesView) }
    return data
}

func md5Hex(_ data: Data) -> String {
    Insecure.MD5.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
