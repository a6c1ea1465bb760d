public import NIOCore

/// Writes a stream of buffers to a descriptor on the file thread pool, gathered into pieces of `batch`
/// bytes: one hop to the pool per MiB instead of one per network buffer (a few KiB each).
public struct BatchedWriter {
    private let descriptor: Int32
    private let path: String
    private let batch: Int
    private var pending: ByteBuffer

    /// - Parameter path: names the file in errors.
    public init(descriptor: Int32, path: String, batch: Int = 1 << 20) {
        self.descriptor = descriptor
        self.path = path
        self.batch = batch
        pending = ByteBuffer()  // grows as needed: a small file costs no full batch
    }

    /// Writes every buffer of `stream`, handing each to `each` first. When the stream fails, what
    /// arrived before is still written (a resumed download starts after it), then the error is thrown.
    public mutating func write(
        contentsOf stream: any AsyncSequence<ByteBuffer, any Error>,
        each: (ByteBuffer) -> Void = { _ in }
    ) async throws {
        do {
            for try await buffer in stream {
                each(buffer)
                try await write(buffer)
            }
        } catch {
            try await flush()
            throw error
        }
        try await flush()
    }

    private mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        pending.writeBuffer(&buffer)
        if pending.readableBytes >= batch { try await flush() }
    }

    private mutating func flush() async throws {
        guard pending.readableBytes > 0 else { return }
        let piece = pending
        let (descriptor, path) = (descriptor, path)
        try await offload { try piece.withUnsafeReadableBytes { try writeAll(descriptor, $0, path: path) } }
        pending.clear()
    }
}
