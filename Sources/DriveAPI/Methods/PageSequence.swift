/// Pages fetched one at a time as the caller iterates: the next page is requested only when wanted.
public struct PageSequence<Page: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Page
    let fetch: @Sendable (_ pageToken: String?) async throws -> (page: Page, next: String?)
    let firstToken: String?

    init(
        startingAt token: String? = nil,
        fetch: @escaping @Sendable (String?) async throws -> (page: Page, next: String?)
    ) {
        self.fetch = fetch
        self.firstToken = token
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let fetch: @Sendable (String?) async throws -> (page: Page, next: String?)
        var token: String?
        var finished = false

        public mutating func next() async throws -> Page? {
            guard !finished else { return nil }
            let (page, next) = try await fetch(token)
            token = next
            finished = next == nil
            return page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(fetch: fetch, token: firstToken) }
}
