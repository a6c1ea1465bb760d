/// Waits for `condition`, polling, up to `timeout`; false when it never held. For tests that watch another
/// process or a background task reach a state, instead of sleeping a fixed time.
public func eventually(
    timeout: Duration = .seconds(20),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
