/// Runs `work` on each element with at most `limit` running at once, handing each output to `absorb`
/// (on the caller's task, in the order they finish). No new element starts once `keepStarting` says
/// no; those already running finish and are absorbed.
public func forEachConcurrently<Element: Sendable, Output: Sendable>(
    _ elements: some Sequence<Element>,
    limit: Int,
    while keepStarting: () -> Bool = { true },
    _ work: @escaping @Sendable (Element) async -> Output,
    absorb: (Output) async -> Void
) async {
    await withTaskGroup(of: Output.self) { group in
        var running = 0
        for element in elements {
            if running >= max(1, limit), let output = await group.next() {
                await absorb(output)
                running -= 1
            }
            guard keepStarting() else { break }
            group.addTask { await work(element) }
            running += 1
        }
        for await output in group { await absorb(output) }
    }
}
